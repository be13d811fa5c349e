DROP TRIGGER IF EXISTS posts_keep_revision ON blog.posts;
DROP FUNCTION IF EXISTS blog.keep_post_revision();
DROP TABLE IF EXISTS blog.post_revisions;
