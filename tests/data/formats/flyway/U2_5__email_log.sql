DROP TABLE IF EXISTS crm.email_log;
