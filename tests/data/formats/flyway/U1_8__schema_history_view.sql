DROP VIEW IF EXISTS crm.schema_history;
