-- down: undoes 0001_vetting_statuses.sql
DROP TABLE public.vetting_statuses;
