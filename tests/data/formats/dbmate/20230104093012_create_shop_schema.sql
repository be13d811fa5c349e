-- migrate:up
CREATE SCHEMA IF NOT EXISTS shop;

COMMENT ON SCHEMA shop IS 'Online shop: catalogue, customers, orders';

-- migrate:down
-- no CASCADE: anything left in here means a later down block forgot it
DROP SCHEMA IF EXISTS shop;
