-- +goose Up
-- +goose no transaction
-- This one carries its own BEGIN/COMMIT (it was first run by hand with psql during
-- the March outage), so goose must not open a transaction of its own around it.
-- The lower-case annotation above is accepted by goose >= v3.19 (annotations are
-- matched case-insensitively there).
BEGIN;
ALTER TABLE tick.agents ADD COLUMN signature text;
UPDATE tick.agents SET signature = E'-- \n' || name || E'\nSupport team; we\'re here 9-5 CET' WHERE signature IS NULL;
ALTER TABLE tick.agents ALTER COLUMN signature SET DEFAULT '';
COMMIT;

-- +goose Down
ALTER TABLE tick.agents DROP COLUMN IF EXISTS signature;
