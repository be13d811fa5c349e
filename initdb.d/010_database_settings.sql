-- Database-wide session defaults. Runs as the superuser on every pginit
-- start. Each setting is written only when it differs, so a start that finds
-- them in place writes nothing. The settings apply to sessions opened after
-- this file commits.
DO $$
DECLARE
    db oid := (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database());
    app oid := (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = '${app_role}');
BEGIN
    -- store and display times in UTC regardless of the server's TimeZone
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_db_role_setting
                   WHERE setdatabase = db AND setrole = 0 AND 'TimeZone=UTC' = ANY (setconfig)) THEN
        EXECUTE format('ALTER DATABASE %I SET timezone = %L', current_database(), 'UTC');
    END IF;

    -- Guard rails for the application's login role only (pginit itself and
    -- administrators are not affected): no runaway queries, and no session
    -- left idle inside a transaction holding locks.
    IF app IS NULL THEN
        RAISE NOTICE 'role ${app_role} does not exist; session limits not set';
    ELSIF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_db_role_setting
                      WHERE setdatabase = db AND setrole = app
                      AND setconfig @> ARRAY['statement_timeout=30s', 'idle_in_transaction_session_timeout=60s']) THEN
        EXECUTE format('ALTER ROLE %I IN DATABASE %I SET statement_timeout = %L',
                       '${app_role}', current_database(), '30s');
        EXECUTE format('ALTER ROLE %I IN DATABASE %I SET idle_in_transaction_session_timeout = %L',
                       '${app_role}', current_database(), '60s');
    END IF;
END
$$;
