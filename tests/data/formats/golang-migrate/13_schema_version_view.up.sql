-- Read-only window on golang-migrate's bookkeeping for the admin "about" page, so the
-- app role needs no grant on public. golang-migrate keeps a single row there (the
-- current version) and sets dirty = true while a migration is running or has failed.
CREATE VIEW blog.schema_version AS
SELECT version, dirty
  FROM public.schema_migrations;

COMMENT ON VIEW blog.schema_version IS 'golang-migrate''s current version; dirty means a migration stopped half-way';
