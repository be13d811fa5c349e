-- migrate:up
CREATE TABLE stock (
    item_id int PRIMARY KEY REFERENCES item (id),
    qty int NOT NULL CHECK (qty >= 0)
);
INSERT INTO item (sku, name) VALUES ('A-1', 'anvil'), ('B-2', 'bucket'), ('C-3', 'chisel');
INSERT INTO stock (item_id, qty) SELECT id, 10 * id FROM item;

-- migrate:down
DROP TABLE IF EXISTS stock;
DELETE FROM item;
