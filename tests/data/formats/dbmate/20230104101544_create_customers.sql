-- migrate:up
CREATE TABLE shop.customers (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email            text        NOT NULL,
    full_name        text        NOT NULL,
    phone            text,
    marketing_opt_in boolean     NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX customers_email_key ON shop.customers (lower(email));

-- migrate:down
DROP TABLE IF EXISTS shop.customers;
