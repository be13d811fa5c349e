-- migrate:up
CREATE OR REPLACE FUNCTION shop.reserve_stock(p_product bigint, p_qty integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF p_qty <= 0 THEN
        RAISE EXCEPTION 'quantity must be positive; got %', p_qty
              USING ERRCODE = 'invalid_parameter_value';
    END IF;

    BEGIN
        UPDATE shop.stock
           SET reserved = reserved + p_qty
         WHERE product_id = p_product;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no stock row for product %', p_product
                  USING ERRCODE = 'no_data_found';
        END IF;
    EXCEPTION
        WHEN check_violation THEN
            -- reserved would exceed on_hand: that's "sold out", not an error
            RETURN false;
    END;

    RETURN true;
END;
$fn$;

-- migrate:down
DROP FUNCTION IF EXISTS shop.reserve_stock(bigint, integer);
