DROP INDEX IF EXISTS ledger.entry_account_idx;
DROP TABLE IF EXISTS ledger.period;
DELETE FROM ledger.entry;
DELETE FROM ledger.account;
