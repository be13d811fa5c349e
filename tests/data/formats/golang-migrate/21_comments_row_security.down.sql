DROP POLICY IF EXISTS comments_insert_unapproved ON blog.comments;
DROP POLICY IF EXISTS comments_public_read ON blog.comments;
ALTER TABLE blog.comments DISABLE ROW LEVEL SECURITY;
