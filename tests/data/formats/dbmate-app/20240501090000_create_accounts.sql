-- migrate:up
CREATE TABLE account (
    id serial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO account (email) VALUES ('ada@example.com'), ('bob@example.com');

-- migrate:down
DROP TABLE IF EXISTS account;
