-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION evt.normalise_kind() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    NEW.kind := lower(trim(NEW.kind));
    RETURN NEW;
END;
$body$;
-- +goose StatementEnd
CREATE TRIGGER event_kind BEFORE INSERT OR UPDATE ON evt.event
    FOR EACH ROW EXECUTE FUNCTION evt.normalise_kind();

-- +goose Down
DROP TRIGGER IF EXISTS event_kind ON evt.event;
DROP FUNCTION IF EXISTS evt.normalise_kind();
