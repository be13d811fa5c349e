-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tick.touch_updated_at()
RETURNS trigger
LANGUAGE plpgsql
AS $body$
BEGIN
    NEW.updated_at := now();
    -- first time a ticket is solved, remember when
    IF NEW.status IN ('solved', 'closed') AND OLD.status NOT IN ('solved', 'closed') THEN
        NEW.solved_at := coalesce(NEW.solved_at, now());
    END IF;
    RETURN NEW;
END;
$body$;
-- +goose StatementEnd

CREATE TRIGGER tickets_touch_updated_at
    BEFORE UPDATE ON tick.tickets
    FOR EACH ROW
    EXECUTE FUNCTION tick.touch_updated_at();

-- +goose Down
DROP TRIGGER IF EXISTS tickets_touch_updated_at ON tick.tickets;
DROP FUNCTION IF EXISTS tick.touch_updated_at();
