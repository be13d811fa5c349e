CREATE SCHEMA IF NOT EXISTS ledger;
CREATE TABLE ledger.account (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    balance numeric(12,2) NOT NULL DEFAULT 0
);
CREATE TABLE ledger.entry (
    id bigserial PRIMARY KEY,
    account_id int NOT NULL REFERENCES ledger.account (id),
    amount numeric(12,2) NOT NULL
);
