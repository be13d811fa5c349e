-- +goose NO TRANSACTION
-- +goose up
CREATE INDEX CONCURRENTLY g_id ON g (id);
-- +goose down
DROP INDEX CONCURRENTLY g_id;
