-- golang-migrate doesn't wrap a file in a transaction of its own, so this one brings
-- its own BEGIN/COMMIT: the columns and the backfill go in together or not at all.
BEGIN;

ALTER TABLE blog.authors ADD COLUMN bio text;
ALTER TABLE blog.authors ADD COLUMN website text;

COMMENT ON COLUMN blog.authors.bio IS 'Short bio; plain text; shown under each post';

UPDATE blog.authors
   SET bio = display_name || E'\'s bio; edit me in the profile page.'
 WHERE bio IS NULL;

ALTER TABLE blog.authors
    ADD CONSTRAINT authors_website_http CHECK (website IS NULL OR website ~* '^https?://');

COMMIT;
