-- Blog platform. Everything the application owns lives in schema "blog";
-- public only holds golang-migrate's own schema_migrations table.
CREATE SCHEMA IF NOT EXISTS blog;

COMMENT ON SCHEMA blog IS 'Blog platform: authors, posts, comments, newsletter';
