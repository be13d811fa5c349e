CREATE TABLE crm.audit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name  text        NOT NULL,
    row_id      bigint      NOT NULL,
    action      text        NOT NULL,
    changes     jsonb,
    actor       text        NOT NULL DEFAULT current_user,
    happened_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_events_row_idx ON crm.audit_events (table_name, row_id);

CREATE FUNCTION crm.audit_deal_stage()
RETURNS trigger
LANGUAGE plpgsql
AS $body$
BEGIN
    IF NEW.stage IS DISTINCT FROM OLD.stage THEN
        INSERT INTO crm.audit_events (table_name, row_id, action, changes)
        VALUES ('deals', NEW.id, 'stage_change',
                jsonb_build_object('from', OLD.stage, 'to', NEW.stage));
    END IF;
    RETURN NEW;
END;
$body$;

CREATE TRIGGER deals_audit_stage
    AFTER UPDATE OF stage ON crm.deals
    FOR EACH ROW EXECUTE FUNCTION crm.audit_deal_stage();
