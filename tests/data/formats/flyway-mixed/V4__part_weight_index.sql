-- No script configuration: Flyway's PostgreSQL parser sees that CREATE INDEX
-- CONCURRENTLY cannot run in a transaction and runs this script without one.
CREATE INDEX CONCURRENTLY part_weight_idx ON parts.part (weight_g);
