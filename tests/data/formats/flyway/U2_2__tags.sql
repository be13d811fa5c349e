DROP TABLE IF EXISTS crm.account_tags;
DROP TABLE IF EXISTS crm.tags;
