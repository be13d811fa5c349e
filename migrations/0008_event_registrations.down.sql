-- down: undoes 0008_event_registrations.sql
DROP TABLE public.event_registrations;
