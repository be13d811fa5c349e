-- +goose Up
CREATE SCHEMA IF NOT EXISTS tick;
COMMENT ON SCHEMA tick IS 'Helpdesk: tickets, agents, SLAs';

-- +goose Down
-- no CASCADE: leftovers mean a later Down section forgot something
DROP SCHEMA IF EXISTS tick;
