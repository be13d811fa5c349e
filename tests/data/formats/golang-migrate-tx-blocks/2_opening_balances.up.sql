-- golang-migrate sends this whole file as one query. The statements before the
-- first BEGIN run in the query's implicit transaction, which BEGIN turns into
-- an explicit one; each COMMIT ends the block it is in.
INSERT INTO ledger.account (name) VALUES ('cash');

BEGIN;
INSERT INTO ledger.account (name) VALUES ('bank'), ('equity');
INSERT INTO ledger.entry (account_id, amount)
SELECT id, CASE name WHEN 'equity' THEN -150.00 WHEN 'bank' THEN 100.00 ELSE 50.00 END FROM ledger.account;
COMMIT;

UPDATE ledger.account a SET balance = s.total
FROM (SELECT account_id, sum(amount) AS total FROM ledger.entry GROUP BY account_id) s
WHERE s.account_id = a.id;

BEGIN;
CREATE TABLE ledger.period (
    id serial PRIMARY KEY,
    starts_on date NOT NULL,
    closed boolean NOT NULL DEFAULT false
);
INSERT INTO ledger.period (starts_on) VALUES ('2024-01-01'), ('2024-02-01');
COMMIT;

CREATE INDEX entry_account_idx ON ledger.entry (account_id);
