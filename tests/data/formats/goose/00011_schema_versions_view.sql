-- +goose Up
-- goose's bookkeeping is public.goose_db_version: one row per applied version
-- (plus the version 0 row goose writes when it creates the table). Old goose
-- releases recorded a "down" as a new row with is_applied = false, so take the
-- latest row per version.
CREATE VIEW tick.schema_versions AS
SELECT DISTINCT ON (version_id)
       version_id,
       is_applied,
       tstamp AS changed_at
  FROM public.goose_db_version
 ORDER BY version_id, id DESC;

-- +goose Down
DROP VIEW IF EXISTS tick.schema_versions;
