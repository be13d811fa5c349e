-- migrate:up
CREATE TABLE shop.order_items (
    order_id   bigint   NOT NULL REFERENCES shop.orders (id) ON DELETE CASCADE,
    line_no    smallint NOT NULL,
    product_id bigint   NOT NULL REFERENCES shop.products (id),
    quantity   integer  NOT NULL CHECK (quantity > 0),
    unit_cents integer  NOT NULL CHECK (unit_cents >= 0),
    PRIMARY KEY (order_id, line_no)
);

CREATE INDEX order_items_product_id_idx ON shop.order_items (product_id);

-- migrate:down
DROP TABLE IF EXISTS shop.order_items;
