DROP TRIGGER IF EXISTS deals_touch_updated_at ON crm.deals;
DROP TRIGGER IF EXISTS contacts_touch_updated_at ON crm.contacts;
DROP TRIGGER IF EXISTS accounts_touch_updated_at ON crm.accounts;
DROP FUNCTION IF EXISTS crm.touch_updated_at();
