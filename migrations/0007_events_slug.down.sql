-- down: undoes 0007_events_slug.sql (constraints go with the column)
ALTER TABLE public.events DROP COLUMN slug;
