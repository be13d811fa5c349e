-- pginit:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS blog.posts_search_idx;
