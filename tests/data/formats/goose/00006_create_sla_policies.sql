-- +goose Up
CREATE TABLE tick.sla_policies (
    priority       tick.ticket_priority PRIMARY KEY,
    first_response interval NOT NULL,
    resolution     interval NOT NULL,
    description    text     NOT NULL DEFAULT '',
    CONSTRAINT sla_policies_sane CHECK (first_response <= resolution)
);

-- +goose Down
DROP TABLE IF EXISTS tick.sla_policies;
