ALTER TABLE blog.posts
    ALTER COLUMN status DROP DEFAULT,
    ALTER COLUMN status TYPE text USING status::text,
    ALTER COLUMN status SET DEFAULT 'draft';

ALTER TABLE blog.posts
    ADD CONSTRAINT posts_status_check CHECK (status IN ('draft', 'published', 'archived'));

DROP TYPE IF EXISTS blog.post_status;
