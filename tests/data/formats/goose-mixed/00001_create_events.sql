-- +goose Up
CREATE SCHEMA IF NOT EXISTS evt;
CREATE TABLE evt.event (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    at timestamptz NOT NULL
);
INSERT INTO evt.event (kind, at) VALUES ('login', '2024-01-01 10:00+00'), ('logout', '2024-01-01 11:00+00');

-- +goose Down
DROP TABLE IF EXISTS evt.event;
DROP SCHEMA IF EXISTS evt;
