ALTER TABLE blog.comments DROP CONSTRAINT IF EXISTS comments_moderated_has_time;
ALTER TABLE blog.comments
    DROP COLUMN IF EXISTS moderated_at,
    DROP COLUMN IF EXISTS is_approved;
