-- Keep posts.updated_at honest even when the app doesn't set it.
CREATE OR REPLACE FUNCTION blog.touch_updated_at()
RETURNS trigger
LANGUAGE plpgsql
AS $body$
BEGIN
    -- a "save" that changes nothing shouldn't bump the timestamp
    IF NEW IS NOT DISTINCT FROM OLD THEN
        RETURN NEW;
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END;
$body$;

CREATE TRIGGER posts_touch_updated_at
    BEFORE UPDATE ON blog.posts
    FOR EACH ROW
    EXECUTE FUNCTION blog.touch_updated_at();
