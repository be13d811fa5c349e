-- migrate:up
CREATE TABLE shop.stock (
    product_id bigint  PRIMARY KEY REFERENCES shop.products (id) ON DELETE CASCADE,
    on_hand    integer NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
    reserved   integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    CONSTRAINT stock_reserved_le_on_hand CHECK (reserved <= on_hand)
);

-- migrate:down
DROP TABLE IF EXISTS shop.stock;
