ALTER TABLE crm.accounts
    ADD COLUMN parent_account_id bigint REFERENCES crm.accounts (id) ON DELETE SET NULL,
    ADD CONSTRAINT accounts_not_own_parent CHECK (parent_account_id <> id);

CREATE INDEX accounts_parent_idx ON crm.accounts (parent_account_id) WHERE parent_account_id IS NOT NULL;
