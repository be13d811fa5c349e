-- pginit:no-transaction
-- golang-migrate sends a file as one query string, so this file holds exactly one
-- statement: CREATE INDEX CONCURRENTLY refuses to run inside a transaction block.
CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_search_idx ON blog.posts USING gin (search);
