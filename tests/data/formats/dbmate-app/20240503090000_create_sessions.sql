-- migrate:up
CREATE TABLE session (
    token text PRIMARY KEY,
    account_id int NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);

-- migrate:down
DROP TABLE IF EXISTS session;
