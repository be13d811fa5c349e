ALTER TABLE blog.comments ENABLE ROW LEVEL SECURITY;

-- Readers see approved comments only; the moderation UI's connection sets blog.role = 'moderator'.
CREATE POLICY comments_public_read ON blog.comments
    FOR SELECT
    USING (is_approved OR current_setting('blog.role', true) = 'moderator');

CREATE POLICY comments_insert_unapproved ON blog.comments
    FOR INSERT
    WITH CHECK (NOT is_approved);
