CREATE TABLE crm.contacts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint      REFERENCES crm.accounts (id) ON DELETE SET NULL,
    first_name text,
    last_name  text        NOT NULL,
    email      text,
    phone      text,
    job_title  text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX contacts_account_id_idx ON crm.contacts (account_id);
