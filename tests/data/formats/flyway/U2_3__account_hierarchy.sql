DROP INDEX IF EXISTS crm.accounts_parent_idx;
ALTER TABLE crm.accounts
    DROP CONSTRAINT IF EXISTS accounts_not_own_parent,
    DROP COLUMN IF EXISTS parent_account_id;
