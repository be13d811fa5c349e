DROP FUNCTION IF EXISTS blog.slugify(text);
