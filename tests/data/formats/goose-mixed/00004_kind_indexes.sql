-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY event_kind_idx ON evt.event (kind);
CREATE UNIQUE INDEX CONCURRENTLY event_kind_at_key ON evt.event (kind, at);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS evt.event_kind_at_key;
DROP INDEX CONCURRENTLY IF EXISTS evt.event_kind_idx;
