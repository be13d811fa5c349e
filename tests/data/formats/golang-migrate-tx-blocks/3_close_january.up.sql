BEGIN;
UPDATE ledger.period SET closed = true WHERE starts_on = '2024-01-01';
COMMIT;
BEGIN;
ALTER TABLE ledger.entry ADD COLUMN period_id int REFERENCES ledger.period (id);
UPDATE ledger.entry SET period_id = (SELECT id FROM ledger.period WHERE starts_on = '2024-01-01');
COMMIT;
