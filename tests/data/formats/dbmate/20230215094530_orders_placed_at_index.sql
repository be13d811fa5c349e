-- migrate:up transaction:false
-- orders is big and busy by now: build the index without blocking checkouts.
-- dbmate sends a block as one query string, so keep this block to one statement.
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_placed_at_idx
    ON shop.orders (placed_at DESC)
    WHERE status <> 'cart';

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS shop.orders_placed_at_idx;
