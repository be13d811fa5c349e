-- Slugs must already be in slugify() form; uses the function from 12_slugify_function.
ALTER TABLE blog.posts
    ADD CONSTRAINT posts_slug_normalised CHECK (slug = blog.slugify(slug));
