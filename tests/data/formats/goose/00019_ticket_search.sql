-- +goose Up
ALTER TABLE tick.tickets
    ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', coalesce(subject, '') || ' ' || coalesce(requester, ''))) STORED;

CREATE INDEX tickets_search_idx ON tick.tickets USING gin (search);

-- +goose Down
DROP INDEX IF EXISTS tick.tickets_search_idx;
ALTER TABLE tick.tickets DROP COLUMN IF EXISTS search;
