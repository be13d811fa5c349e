-- No CASCADE on purpose: if something is still in here, a later down file forgot it.
DROP SCHEMA IF EXISTS blog;
