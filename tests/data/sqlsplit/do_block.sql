DO $$
DECLARE
  n int;
BEGIN
  BEGIN
    INSERT INTO t VALUES (1);
  EXCEPTION WHEN unique_violation THEN
    RAISE NOTICE 'dup; skipped';
  END;
  IF n IS NULL THEN n := 0; END IF;
END
$$;
DO LANGUAGE plpgsql $do$ BEGIN PERFORM 1; END $do$;
SELECT 'after';
