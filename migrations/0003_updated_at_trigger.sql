-- Keep updated_at honest without relying on every caller to set it.
-- The timestamp only moves when some column really changed, so an UPDATE
-- that rewrites identical values (a re-applied seed, an idempotent sync
-- job) leaves updated_at alone. The comparison needs an equality operator
-- for every column type, so tables using it must avoid json/point/xml columns
-- (jsonb is fine).
CREATE FUNCTION public.set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
    IF ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION public.set_updated_at() IS
    'BEFORE UPDATE trigger: sets NEW.updated_at = now() when the row changed.';

CREATE TRIGGER vetting_statuses_set_updated_at
    BEFORE UPDATE ON public.vetting_statuses
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TRIGGER users_set_updated_at
    BEFORE UPDATE ON auth.users
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
