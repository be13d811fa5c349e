-- migrate:up
CREATE TYPE shop.order_status AS ENUM ('cart', 'placed', 'paid', 'shipped', 'delivered', 'cancelled');

CREATE TABLE shop.orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint            NOT NULL REFERENCES shop.customers (id),
    status      shop.order_status NOT NULL DEFAULT 'cart',
    total_cents bigint            NOT NULL DEFAULT 0,
    currency    char(3)           NOT NULL DEFAULT 'EUR',
    placed_at   timestamptz,
    created_at  timestamptz       NOT NULL DEFAULT now()
);

CREATE INDEX orders_customer_id_idx ON shop.orders (customer_id);

-- migrate:down
DROP TABLE IF EXISTS shop.orders;
DROP TYPE IF EXISTS shop.order_status;
