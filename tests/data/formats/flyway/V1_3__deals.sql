CREATE TYPE crm.deal_stage AS ENUM ('prospect', 'qualified', 'proposal', 'negotiation', 'won', 'lost');

CREATE TABLE crm.deals (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id         bigint         NOT NULL REFERENCES crm.accounts (id),
    primary_contact_id bigint         REFERENCES crm.contacts (id) ON DELETE SET NULL,
    name               text           NOT NULL,
    stage              crm.deal_stage NOT NULL DEFAULT 'prospect',
    amount             numeric(12,2),
    probability        integer,
    expected_close     date,
    closed_at          timestamptz,
    created_at         timestamptz    NOT NULL DEFAULT now(),
    updated_at         timestamptz    NOT NULL DEFAULT now()
);

CREATE INDEX deals_account_id_idx ON crm.deals (account_id);
CREATE INDEX deals_open_stage_idx ON crm.deals (stage) WHERE closed_at IS NULL;
