DROP TABLE IF EXISTS crm.activities;
