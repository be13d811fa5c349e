CREATE TABLE blog.post_revisions (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id  bigint      NOT NULL REFERENCES blog.posts (id) ON DELETE CASCADE,
    revision integer     NOT NULL,
    title    text        NOT NULL,
    body     text        NOT NULL,
    saved_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT post_revisions_post_revision_key UNIQUE (post_id, revision)
);

CREATE FUNCTION blog.keep_post_revision()
RETURNS trigger
LANGUAGE plpgsql
AS $body$
DECLARE
    next_rev integer;
BEGIN
    IF NEW.title IS NOT DISTINCT FROM OLD.title AND NEW.body IS NOT DISTINCT FROM OLD.body THEN
        RETURN NEW;  -- status/metadata change only; no revision
    END IF;

    SELECT coalesce(max(revision), 0) + 1
      INTO next_rev
      FROM blog.post_revisions
     WHERE post_id = OLD.id;

    INSERT INTO blog.post_revisions (post_id, revision, title, body)
    VALUES (OLD.id, next_rev, OLD.title, OLD.body);

    RETURN NEW;
END;
$body$;

CREATE TRIGGER posts_keep_revision
    AFTER UPDATE OF title, body ON blog.posts
    FOR EACH ROW
    EXECUTE FUNCTION blog.keep_post_revision();
