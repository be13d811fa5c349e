-- A database another tool (or a person) built, dumped with pg_dump in plain
-- format by tests/integration/peers.test.sh and applied as two migrations:
-- pre-data, then data + post-data. Objects are owned by the superuser, so the
-- dump has ALTER ... OWNER TO postgres, and the data goes in as COPY.
CREATE SCHEMA billing;
COMMENT ON SCHEMA billing IS 'invoices';
CREATE TABLE billing.customer (
    id serial PRIMARY KEY,
    name text NOT NULL,
    email text UNIQUE
);
CREATE TABLE billing.invoice (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id int NOT NULL REFERENCES billing.customer (id),
    amount numeric(10,2) NOT NULL CHECK (amount >= 0),
    note text,
    issued_on date NOT NULL DEFAULT current_date
);
CREATE INDEX invoice_customer_idx ON billing.invoice (customer_id);
COMMENT ON TABLE billing.invoice IS 'one row per invoice';
CREATE FUNCTION billing.total(c int) RETURNS numeric LANGUAGE sql STABLE
    AS $$ SELECT coalesce(sum(amount), 0) FROM billing.invoice WHERE customer_id = c $$;
CREATE VIEW billing.customer_total AS SELECT id, name, billing.total(id) AS total FROM billing.customer;
INSERT INTO billing.customer (name, email) VALUES
    ('O''Brien & Sons', 'ob@example.com'), ('Tab	Separated Ltd', NULL), ('Back\slash GmbH', 'bs@example.com');
INSERT INTO billing.invoice (customer_id, amount, note, issued_on) VALUES
    (1, 120.50, E'two\nlines', '2024-01-31'), (1, 0, NULL, '2024-02-29'), (3, 99.99, 'semi; colon', '2024-03-31');
