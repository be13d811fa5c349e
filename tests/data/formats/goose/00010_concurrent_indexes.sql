-- +goose NO TRANSACTION
-- tickets and ticket_comments are large in production: build these without locking
-- out writers. goose runs each statement on its own here, so two are fine.

-- +goose Up
CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_open_created_idx
    ON tick.tickets (created_at)
    WHERE status IN ('new', 'open', 'pending');

CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_comments_ticket_created_idx
    ON tick.ticket_comments (ticket_id, created_at);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS tick.ticket_comments_ticket_created_idx;
DROP INDEX CONCURRENTLY IF EXISTS tick.tickets_open_created_idx;
