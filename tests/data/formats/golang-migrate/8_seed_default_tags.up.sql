-- Default tags every new blog starts with, pasted from pg_dump --data-only.
-- (Data lines are tab separated; note the apostrophe and the semicolon in them.)
COPY blog.tags (slug, label) FROM stdin;
announcements	Announcements
howto	How-to
release-notes	Release notes
editors-picks	Editor's picks
opinion	Opinion; rants & raves
\.
