DROP TABLE IF EXISTS blog.settings;
