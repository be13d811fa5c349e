ALTER TABLE ledger.entry DROP COLUMN IF EXISTS period_id;
UPDATE ledger.period SET closed = false;
