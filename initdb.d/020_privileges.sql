-- Privilege hardening that pginit's generic bootstrap leaves to the project.
-- Every statement converges (REVOKE of a privilege not held and GRANT of a
-- membership already held are no-ops), so this is safe on every start.

-- Only the owner role may create objects in public. PostgreSQL 15+ already
-- ships public this way; older servers grant CREATE to PUBLIC.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- Let the read-only role see activity and table statistics (pg_stat_*) for
-- monitoring dashboards. It grants read access to statistics only, no data.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'app_readonly') THEN
        IF NOT pg_catalog.pg_has_role('app_readonly', 'pg_read_all_stats', 'MEMBER') THEN
            GRANT pg_read_all_stats TO app_readonly;
        END IF;
    ELSE
        RAISE NOTICE 'role app_readonly does not exist; monitoring grant skipped';
    END IF;
END
$$;
