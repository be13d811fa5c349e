DROP TABLE IF EXISTS blog.post_tags;
DROP TABLE IF EXISTS blog.tags;
