-- down: undoes 0005_indexes.sql
DROP INDEX public.events_published_start_date_idx;
DROP INDEX public.events_start_date_idx;
DROP INDEX public.events_created_by_idx;
DROP INDEX public.events_updated_by_idx;
DROP INDEX auth.users_role_idx;
