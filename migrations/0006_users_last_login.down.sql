-- down: undoes 0006_users_last_login.sql (its index goes with the column)
ALTER TABLE auth.users DROP COLUMN last_login_at;
