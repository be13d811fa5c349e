-- +goose Up
CREATE TYPE tick.ticket_status AS ENUM ('new', 'open', 'pending', 'solved', 'closed');
CREATE TYPE tick.ticket_priority AS ENUM ('low', 'normal', 'high', 'urgent');

CREATE TABLE tick.tickets (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject     text                 NOT NULL,
    requester   text                 NOT NULL,  -- requester's e-mail address
    status      tick.ticket_status   NOT NULL DEFAULT 'new',
    priority    tick.ticket_priority NOT NULL DEFAULT 'normal',
    team_id     integer              REFERENCES tick.teams (id),
    assignee_id integer              REFERENCES tick.agents (id),
    created_at  timestamptz          NOT NULL DEFAULT now(),
    updated_at  timestamptz          NOT NULL DEFAULT now(),
    solved_at   timestamptz
);

CREATE INDEX tickets_assignee_status_idx ON tick.tickets (assignee_id, status);

-- +goose Down
DROP TABLE IF EXISTS tick.tickets;
DROP TYPE IF EXISTS tick.ticket_priority;
DROP TYPE IF EXISTS tick.ticket_status;
