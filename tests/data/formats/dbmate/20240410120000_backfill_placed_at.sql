-- migrate:up
-- Data fix: orders paid through the phone line skipped the "placed" step.
UPDATE shop.orders
   SET placed_at = created_at
 WHERE status IN ('paid', 'shipped', 'delivered')
   AND placed_at IS NULL;

-- migrate:down
-- nothing to undo (only NULLs were filled in)
