-- migrate:up
CREATE SCHEMA IF NOT EXISTS legacy;
-- a session-level SET (not SET LOCAL): it outlives this migration's transaction
SET search_path TO legacy;
CREATE TABLE old_order (
    id int PRIMARY KEY,
    placed_on date NOT NULL
);
INSERT INTO old_order VALUES (1, '2019-05-01'), (2, '2019-06-12');

-- migrate:down
DROP TABLE IF EXISTS legacy.old_order;
DROP SCHEMA IF EXISTS legacy;
