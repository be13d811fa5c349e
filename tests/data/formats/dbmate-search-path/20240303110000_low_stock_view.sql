-- migrate:up
CREATE VIEW low_stock AS
SELECT i.sku, i.name, s.qty FROM item i JOIN stock s ON s.item_id = i.id WHERE s.qty < 25;

-- migrate:down
DROP VIEW IF EXISTS low_stock;
