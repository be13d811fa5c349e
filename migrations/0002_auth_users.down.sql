-- down: undoes 0002_auth_users.sql
DROP TABLE auth.users;
