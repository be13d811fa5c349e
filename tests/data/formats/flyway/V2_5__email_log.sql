-- Synced mailbox traffic; split by direction because inbound is 20x outbound.
CREATE TABLE crm.email_log (
    id         bigint GENERATED ALWAYS AS IDENTITY,
    direction  text        NOT NULL,
    contact_id bigint      REFERENCES crm.contacts (id) ON DELETE SET NULL,
    subject    text,
    sent_at    timestamptz NOT NULL,
    PRIMARY KEY (direction, id)
) PARTITION BY LIST (direction);

CREATE TABLE crm.email_log_in  PARTITION OF crm.email_log FOR VALUES IN ('in');
CREATE TABLE crm.email_log_out PARTITION OF crm.email_log FOR VALUES IN ('out');
