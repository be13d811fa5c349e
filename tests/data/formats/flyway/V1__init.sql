-- CRM schema. Flyway's own flyway_schema_history stays in the connection's default
-- schema (public); flyway.schemas is not set in this project.
CREATE SCHEMA IF NOT EXISTS crm;

COMMENT ON SCHEMA crm IS 'Customer relationship management: accounts, contacts, deals';
