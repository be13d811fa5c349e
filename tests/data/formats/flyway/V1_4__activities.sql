CREATE TABLE crm.activities (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text        NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'note')),
    contact_id  bigint      REFERENCES crm.contacts (id) ON DELETE CASCADE,
    deal_id     bigint      REFERENCES crm.deals (id) ON DELETE CASCADE,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    summary     text        NOT NULL,
    CONSTRAINT activities_about_something CHECK (contact_id IS NOT NULL OR deal_id IS NOT NULL)
);

CREATE INDEX activities_contact_idx ON crm.activities (contact_id, occurred_at DESC);
CREATE INDEX activities_deal_idx ON crm.activities (deal_id, occurred_at DESC);
