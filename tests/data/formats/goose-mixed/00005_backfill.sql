-- +goose Up
UPDATE evt.event SET kind = kind;
INSERT INTO evt.event (kind, at) VALUES ('  SIGNUP ', '2023-12-31 09:00+00');

-- +goose Down
DELETE FROM evt.event WHERE kind = 'signup';
