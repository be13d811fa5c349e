-- migrate:up
CREATE FUNCTION shop.refresh_order_total()
RETURNS trigger
LANGUAGE plpgsql
AS $body$
DECLARE
    target_order bigint;
BEGIN
    -- on DELETE there's no NEW; on UPDATE a line may even move to another order
    IF TG_OP = 'DELETE' THEN
        target_order := OLD.order_id;
    ELSE
        target_order := NEW.order_id;
    END IF;

    UPDATE shop.orders o
       SET total_cents = coalesce((SELECT sum(i.quantity::bigint * i.unit_cents)
                                     FROM shop.order_items i
                                    WHERE i.order_id = target_order), 0)
     WHERE o.id = target_order;

    IF TG_OP = 'UPDATE' AND OLD.order_id <> NEW.order_id THEN
        UPDATE shop.orders o
           SET total_cents = coalesce((SELECT sum(i.quantity::bigint * i.unit_cents)
                                         FROM shop.order_items i
                                        WHERE i.order_id = OLD.order_id), 0)
         WHERE o.id = OLD.order_id;
    END IF;

    RETURN NULL;
END;
$body$;

CREATE TRIGGER order_items_refresh_total
    AFTER INSERT OR UPDATE OR DELETE ON shop.order_items
    FOR EACH ROW
    EXECUTE FUNCTION shop.refresh_order_total();

-- migrate:down
DROP TRIGGER IF EXISTS order_items_refresh_total ON shop.order_items;
DROP FUNCTION IF EXISTS shop.refresh_order_total();
