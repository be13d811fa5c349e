CREATE TABLE crm.leads (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_code  text        NOT NULL REFERENCES crm.lead_sources (code),
    company      text,
    first_name   text,
    last_name    text        NOT NULL,
    email        text,
    phone        text,
    status       text        NOT NULL DEFAULT 'new'
                 CHECK (status IN ('new', 'contacted', 'converted', 'disqualified')),
    converted_contact_id bigint REFERENCES crm.contacts (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX leads_open_idx ON crm.leads (created_at) WHERE status IN ('new', 'contacted');
