-- migrate:up transaction:false
-- Written for psql first and pasted in as-is, hence its own BEGIN/COMMIT; with
-- transaction:false dbmate doesn't open a transaction around it.
BEGIN;

ALTER TABLE shop.customers
    ADD COLUMN given_name  text,
    ADD COLUMN family_name text;

UPDATE shop.customers
   SET given_name  = split_part(full_name, ' ', 1),
       family_name = nullif(substr(full_name, length(split_part(full_name, ' ', 1)) + 2), '');

COMMENT ON COLUMN shop.customers.full_name IS 'Deprecated; use given_name/family_name ("full_name" stays for old reports)';

COMMIT;

-- migrate:down
COMMENT ON COLUMN shop.customers.full_name IS NULL;
ALTER TABLE shop.customers
    DROP COLUMN IF EXISTS family_name,
    DROP COLUMN IF EXISTS given_name;
