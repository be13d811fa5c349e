-- migrate:up
CREATE SCHEMA IF NOT EXISTS inventory;
-- unqualified: the database's search_path puts it in inventory
CREATE TABLE item (
    id serial PRIMARY KEY,
    sku text NOT NULL UNIQUE,
    name text NOT NULL
);

-- migrate:down
DROP TABLE IF EXISTS item;
DROP SCHEMA IF EXISTS inventory;
