-- migrate:up
-- shop.format_money(123456, 'EUR') = '1,234.56 EUR'; negative amounts get a leading minus.
CREATE OR REPLACE FUNCTION shop.format_money(cents bigint, currency char(3) DEFAULT 'EUR')
RETURNS text
LANGUAGE plpgsql
IMMUTABLE
AS $fn$
DECLARE
    sign  text := '';
    whole bigint;
    frac  integer;
BEGIN
    IF cents IS NULL THEN
        RETURN NULL;
    END IF;
    IF cents < 0 THEN
        sign  := '-';
        cents := -cents;
    END IF;
    whole := cents / 100;
    frac  := cents % 100;
    RETURN sign || to_char(whole, 'FM999,999,999,990') || '.' || lpad(frac::text, 2, '0') || ' ' || currency;
END;
$fn$;

-- migrate:down
DROP FUNCTION IF EXISTS shop.format_money(bigint, char);
