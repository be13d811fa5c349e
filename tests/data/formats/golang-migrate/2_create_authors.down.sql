DROP TABLE IF EXISTS blog.authors;
