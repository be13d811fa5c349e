-- migrate:up
-- dbmate keeps its bookkeeping in public.schema_migrations (one row per applied file,
-- version = the file's timestamp prefix). Expose it read-only to the ops dashboard.
CREATE VIEW shop.applied_migrations AS
SELECT version,
       to_timestamp(version, 'YYYYMMDDHH24MISS') AS written_at
  FROM public.schema_migrations;

COMMENT ON VIEW shop.applied_migrations IS 'dbmate''s applied versions; written_at is parsed from the file name';

-- migrate:down
DROP VIEW IF EXISTS shop.applied_migrations;
