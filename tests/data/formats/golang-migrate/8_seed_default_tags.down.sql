DELETE FROM blog.tags
 WHERE slug IN ('announcements', 'howto', 'release-notes', 'editors-picks', 'opinion');
