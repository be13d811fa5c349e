ALTER TABLE blog.posts DROP CONSTRAINT IF EXISTS posts_slug_normalised;
