ALTER TABLE crm.accounts ADD COLUMN deleted_at timestamptz;
ALTER TABLE crm.contacts ADD COLUMN deleted_at timestamptz;
ALTER TABLE crm.deals    ADD COLUMN deleted_at timestamptz;

CREATE INDEX accounts_live_name_idx ON crm.accounts (name) WHERE deleted_at IS NULL;
CREATE INDEX contacts_live_name_idx ON crm.contacts (last_name, first_name) WHERE deleted_at IS NULL;
