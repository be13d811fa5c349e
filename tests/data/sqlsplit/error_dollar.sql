SELECT 1;
DO $body$ BEGIN
  PERFORM 1;
END $bdy$;
