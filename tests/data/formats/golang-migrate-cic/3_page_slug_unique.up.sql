-- Slugs are unique from now on. One statement per file: golang-migrate's
-- multi-statement query would be a transaction block, and CIC refuses those.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS page_slug_key ON docs.page (slug);
