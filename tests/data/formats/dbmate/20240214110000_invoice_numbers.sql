-- migrate:up
CREATE SEQUENCE shop.invoice_no_seq START WITH 10001;

ALTER TABLE shop.orders ADD COLUMN invoice_no text;
ALTER TABLE shop.orders ADD CONSTRAINT orders_invoice_no_key UNIQUE (invoice_no);

COMMENT ON COLUMN shop.orders.invoice_no IS 'Set when paid; format INV-YYYY-nnnnn';

CREATE FUNCTION shop.next_invoice_no()
RETURNS text
LANGUAGE sql
VOLATILE
AS $$ SELECT 'INV-' || to_char(now(), 'YYYY') || '-' || lpad(nextval('shop.invoice_no_seq')::text, 5, '0') $$;

-- migrate:down
DROP FUNCTION IF EXISTS shop.next_invoice_no();
ALTER TABLE shop.orders DROP CONSTRAINT IF EXISTS orders_invoice_no_key;
ALTER TABLE shop.orders DROP COLUMN IF EXISTS invoice_no;
DROP SEQUENCE IF EXISTS shop.invoice_no_seq;
