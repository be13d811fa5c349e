-- Track when an account last signed in, for inactivity reports.
-- Nullable: accounts that never logged in have no value.
ALTER TABLE auth.users
    ADD COLUMN last_login_at timestamptz;

COMMENT ON COLUMN auth.users.last_login_at IS 'Time of the last successful sign-in; NULL if never.';

-- "recently active" lists only ever look at accounts that have logged in
CREATE INDEX users_last_login_at_idx
    ON auth.users (last_login_at DESC)
    WHERE last_login_at IS NOT NULL;
