-- blog.slugify('Don''t Panic: a "Guide"') = 'dont-panic-a-guide'
CREATE OR REPLACE FUNCTION blog.slugify(title text)
RETURNS text
LANGUAGE plpgsql
IMMUTABLE STRICT PARALLEL SAFE
AS $fn$
DECLARE
    s text;
BEGIN
    s := lower(title);
    -- quotes vanish instead of turning into dashes: "don't" -> "dont", not "don-t"
    s := regexp_replace(s, E'[\'"`]', '', 'g');
    s := regexp_replace(s, '[^a-z0-9]+', '-', 'g');
    s := btrim(s, '-');
    IF s = '' THEN
        RETURN 'untitled';
    END IF;
    RETURN left(s, 80);
END;
$fn$;

COMMENT ON FUNCTION blog.slugify(text) IS 'URL slug for a title; drops quotes; keeps a-z, 0-9 and dashes';
