-- down: undoes 0004_events.sql (the trigger goes with the table)
DROP TABLE public.events;
