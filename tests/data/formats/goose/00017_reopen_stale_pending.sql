-- +goose Up
-- Data fix: tickets stuck in "pending" for 90+ days go back to the open queue.
UPDATE tick.tickets
   SET status = 'open'
 WHERE status = 'pending'
   AND updated_at < now() - interval '90 days';

-- +goose Down
-- nothing to undo: we can't tell which tickets were pending before
