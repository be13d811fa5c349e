-- +goose Up
CREATE TABLE tick.csat_responses (
    ticket_id   bigint      PRIMARY KEY REFERENCES tick.tickets (id) ON DELETE CASCADE,
    score       smallint    NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment     text,
    answered_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE tick.csat_responses IS 'Customer satisfaction survey; one answer per ticket';

-- +goose Down
DROP TABLE IF EXISTS tick.csat_responses;
