CREATE OR REPLACE FUNCTION crm.touch_updated_at()
RETURNS trigger
LANGUAGE plpgsql
AS $body$
BEGIN
    -- don't fight an explicit value set by the import job
    IF NEW.updated_at IS DISTINCT FROM OLD.updated_at THEN
        RETURN NEW;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END;
$body$;

CREATE TRIGGER accounts_touch_updated_at BEFORE UPDATE ON crm.accounts
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
CREATE TRIGGER contacts_touch_updated_at BEFORE UPDATE ON crm.contacts
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
CREATE TRIGGER deals_touch_updated_at BEFORE UPDATE ON crm.deals
    FOR EACH ROW EXECUTE FUNCTION crm.touch_updated_at();
