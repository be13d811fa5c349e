DROP TABLE IF EXISTS blog.subscribers;
