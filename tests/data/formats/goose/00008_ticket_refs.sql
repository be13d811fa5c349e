-- +goose Up
CREATE SEQUENCE tick.ticket_ref_seq;

ALTER TABLE tick.tickets ADD COLUMN ref text;

-- Human-friendly reference such as T-2403-000042; semicolons inside the body
-- are why this statement needs StatementBegin/StatementEnd.
-- +goose StatementBegin
CREATE FUNCTION tick.assign_ticket_ref()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF NEW.ref IS NULL THEN
        NEW.ref := 'T-' || to_char(NEW.created_at, 'YYMM') || '-'
                   || lpad(nextval('tick.ticket_ref_seq')::text, 6, '0');
    END IF;
    RETURN NEW;
END;
$fn$;
-- +goose StatementEnd

CREATE TRIGGER tickets_assign_ref
    BEFORE INSERT ON tick.tickets
    FOR EACH ROW
    EXECUTE FUNCTION tick.assign_ticket_ref();

CREATE UNIQUE INDEX tickets_ref_key ON tick.tickets (ref);

-- +goose Down
DROP INDEX IF EXISTS tick.tickets_ref_key;
DROP TRIGGER IF EXISTS tickets_assign_ref ON tick.tickets;
DROP FUNCTION IF EXISTS tick.assign_ticket_ref();
ALTER TABLE tick.tickets DROP COLUMN IF EXISTS ref;
DROP SEQUENCE IF EXISTS tick.ticket_ref_seq;
