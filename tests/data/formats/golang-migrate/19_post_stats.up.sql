CREATE MATERIALIZED VIEW blog.post_stats AS
SELECT p.id                                     AS post_id,
       count(c.id) FILTER (WHERE c.is_approved) AS approved_comments,
       count(c.id)                              AS all_comments,
       max(c.created_at)                        AS last_comment_at
  FROM blog.posts p
  LEFT JOIN blog.comments c ON c.post_id = p.id
 GROUP BY p.id
WITH DATA;

-- needed for REFRESH MATERIALIZED VIEW CONCURRENTLY from the nightly job
CREATE UNIQUE INDEX post_stats_post_id_key ON blog.post_stats (post_id);
