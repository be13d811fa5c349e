-- down: undoes 0003_updated_at_trigger.sql
DROP TRIGGER users_set_updated_at ON auth.users;
DROP TRIGGER vetting_statuses_set_updated_at ON public.vetting_statuses;
DROP FUNCTION public.set_updated_at();
