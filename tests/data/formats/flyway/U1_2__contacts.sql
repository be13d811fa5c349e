DROP VIEW IF EXISTS crm.v_contacts;   -- from R__views.sql
DROP TABLE IF EXISTS crm.contacts;
