DROP TABLE IF EXISTS blog.comments;
