CREATE TABLE crm.accounts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL,
    domain      text,
    industry    text,
    owner_email text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX accounts_domain_key ON crm.accounts (lower(domain)) WHERE domain IS NOT NULL;
