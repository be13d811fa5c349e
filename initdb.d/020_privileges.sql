-- Privilege hardening that pginit's generic bootstrap leaves to the project.
-- Every statement checks first and changes only what differs, so this is safe
-- on every start and writes nothing once it has been applied.
DO $$
BEGIN
    -- Only the owner role may create objects in public. PostgreSQL 15+ already
    -- ships public this way; older servers grant CREATE to PUBLIC.
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n,
                      pg_catalog.aclexplode(coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) x
               WHERE n.nspname = 'public' AND x.grantee = 0 AND x.privilege_type = 'CREATE') THEN
        REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    END IF;

    -- Let the read-only role see activity and table statistics (pg_stat_*) for
    -- monitoring dashboards. It grants read access to statistics only, no data.
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '${readonly_role}') THEN
        IF NOT pg_catalog.pg_has_role('${readonly_role}', 'pg_read_all_stats', 'MEMBER') THEN
            BEGIN
                EXECUTE format('GRANT pg_read_all_stats TO %I', '${readonly_role}');
            EXCEPTION WHEN unique_violation THEN
                NULL; -- a run for another database sharing the role granted it just now
            END;
        END IF;
    ELSE
        RAISE NOTICE 'role ${readonly_role} does not exist; monitoring grant skipped';
    END IF;
END
$$;
