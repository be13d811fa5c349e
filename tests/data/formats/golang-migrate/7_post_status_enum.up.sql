-- The CHECK constraint from 3_create_posts becomes a proper enum.
CREATE TYPE blog.post_status AS ENUM ('draft', 'published', 'archived');

ALTER TABLE blog.posts DROP CONSTRAINT posts_status_check;

ALTER TABLE blog.posts
    ALTER COLUMN status DROP DEFAULT,
    ALTER COLUMN status TYPE blog.post_status USING status::blog.post_status,
    ALTER COLUMN status SET DEFAULT 'draft';
