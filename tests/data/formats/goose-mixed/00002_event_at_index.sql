-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY event_at_idx ON evt.event (at);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS evt.event_at_idx;
