-- Data fix: posts published through the old API never got a published_at.
UPDATE blog.posts
   SET published_at = coalesce(updated_at, created_at)
 WHERE status = 'published'
   AND published_at IS NULL;
