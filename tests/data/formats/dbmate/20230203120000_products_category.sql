-- migrate:up
ALTER TABLE shop.products ADD COLUMN category_id integer REFERENCES shop.categories (id);

CREATE INDEX products_category_id_idx ON shop.products (category_id);

-- migrate:down
DROP INDEX IF EXISTS shop.products_category_id_idx;
ALTER TABLE shop.products DROP COLUMN IF EXISTS category_id;
