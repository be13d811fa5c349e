-- migrate:up
CREATE TABLE shop.addresses (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint  NOT NULL REFERENCES shop.customers (id) ON DELETE CASCADE,
    kind        text    NOT NULL CHECK (kind IN ('billing', 'shipping')),
    lines       text[]  NOT NULL,
    postcode    text    NOT NULL,
    country     char(2) NOT NULL,
    extra       jsonb   NOT NULL DEFAULT '{}'::jsonb,
    is_default  boolean NOT NULL DEFAULT false
);

-- at most one default address of each kind per customer
CREATE UNIQUE INDEX addresses_one_default_per_kind ON shop.addresses (customer_id, kind) WHERE is_default;

ALTER TABLE shop.orders ADD COLUMN shipping_address_id bigint REFERENCES shop.addresses (id);

-- migrate:down
ALTER TABLE shop.orders DROP COLUMN IF EXISTS shipping_address_id;
DROP TABLE IF EXISTS shop.addresses;
