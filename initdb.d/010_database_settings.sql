-- Database-wide session defaults. Runs as the superuser on every pginit
-- start; ALTER ... SET simply overwrites the stored value, so repeating it is
-- harmless. The settings apply to sessions opened after this file commits.
DO $$
BEGIN
    -- store and display times in UTC regardless of the server's TimeZone
    EXECUTE format('ALTER DATABASE %I SET timezone = %L', current_database(), 'UTC');

    -- Guard rails for the application's login role only (pginit itself and
    -- administrators are not affected): no runaway queries, and no session
    -- left idle inside a transaction holding locks. Skipped, with a notice,
    -- if the deployment renamed the role in pginit.conf.
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'app_user') THEN
        EXECUTE format('ALTER ROLE %I IN DATABASE %I SET statement_timeout = %L',
                       'app_user', current_database(), '30s');
        EXECUTE format('ALTER ROLE %I IN DATABASE %I SET idle_in_transaction_session_timeout = %L',
                       'app_user', current_database(), '60s');
    ELSE
        RAISE NOTICE 'role app_user does not exist; session limits not set';
    END IF;
END
$$;
