-- Give events a stable, URL-friendly natural key. Titles are not unique
-- (a monthly social repeats its title), so links and seed data use the slug.
ALTER TABLE public.events
    ADD COLUMN slug text;

-- Backfill rows created before this migration: slugified title plus the
-- first 8 hex digits of the id, which keeps the result unique.
UPDATE public.events
SET slug = concat_ws('-',
                     nullif(btrim(lower(regexp_replace(title, '[^A-Za-z0-9]+', '-', 'g')), '-'), ''),
                     left(id::text, 8));

ALTER TABLE public.events
    ALTER COLUMN slug SET NOT NULL,
    ADD CONSTRAINT events_slug_key UNIQUE (slug),
    ADD CONSTRAINT events_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$');

COMMENT ON COLUMN public.events.slug IS 'Unique URL key, lower-case words joined by hyphens.';
