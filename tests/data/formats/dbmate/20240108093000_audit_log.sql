-- migrate:up
CREATE TABLE shop.audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name text        NOT NULL,
    op         char(1)     NOT NULL CHECK (op IN ('I', 'U', 'D')),
    row_id     bigint,
    old_row    jsonb,
    new_row    jsonb,
    changed_by text        NOT NULL DEFAULT current_user,
    changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION shop.audit_row()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, shop
AS $audit$
DECLARE
    o jsonb;
    n jsonb;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        o := to_jsonb(OLD);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        n := to_jsonb(NEW);
    END IF;
    INSERT INTO shop.audit_log (table_name, op, row_id, old_row, new_row)
    VALUES (TG_TABLE_NAME, left(TG_OP, 1), (coalesce(n, o) ->> 'id')::bigint, o, n);
    RETURN NULL;
END;
$audit$;

CREATE TRIGGER orders_audit
    AFTER INSERT OR UPDATE OR DELETE ON shop.orders
    FOR EACH ROW EXECUTE FUNCTION shop.audit_row();

CREATE TRIGGER customers_audit
    AFTER INSERT OR UPDATE OR DELETE ON shop.customers
    FOR EACH ROW EXECUTE FUNCTION shop.audit_row();

-- migrate:down
DROP TRIGGER IF EXISTS customers_audit ON shop.customers;
DROP TRIGGER IF EXISTS orders_audit ON shop.orders;
DROP FUNCTION IF EXISTS shop.audit_row();
DROP TABLE IF EXISTS shop.audit_log;
