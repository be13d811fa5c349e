-- +goose Up
CREATE TABLE tick.ticket_comments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   bigint      NOT NULL REFERENCES tick.tickets (id) ON DELETE CASCADE,
    agent_id    integer     REFERENCES tick.agents (id),  -- NULL: written by the requester
    body        text        NOT NULL,
    is_internal boolean     NOT NULL DEFAULT false,       -- internal notes aren't mailed out
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE IF EXISTS tick.ticket_comments;
