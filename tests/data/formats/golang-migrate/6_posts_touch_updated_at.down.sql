DROP TRIGGER IF EXISTS posts_touch_updated_at ON blog.posts;
DROP FUNCTION IF EXISTS blog.touch_updated_at();
