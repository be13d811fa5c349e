-- Keep the time each version was applied: golang-migrate's table has only
-- (version, dirty), and SetVersion's INSERT names those two columns, so a
-- column with a default is safe to add. Unqualified on purpose: the table is
-- where golang-migrate put it, in the connection's current schema.
ALTER TABLE schema_migrations ADD COLUMN applied_at timestamptz NOT NULL DEFAULT now();
COMMENT ON COLUMN schema_migrations.applied_at IS 'set by the default when golang-migrate writes the version';
