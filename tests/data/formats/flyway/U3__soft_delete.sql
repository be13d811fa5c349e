DROP INDEX IF EXISTS crm.contacts_live_name_idx;
DROP INDEX IF EXISTS crm.accounts_live_name_idx;
ALTER TABLE crm.deals    DROP COLUMN IF EXISTS deleted_at;
ALTER TABLE crm.contacts DROP COLUMN IF EXISTS deleted_at;
ALTER TABLE crm.accounts DROP COLUMN IF EXISTS deleted_at;
