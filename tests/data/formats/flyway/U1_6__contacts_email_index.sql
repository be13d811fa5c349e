-- outside a transaction as well: U1_6__contacts_email_index.sql.conf
DROP INDEX CONCURRENTLY IF EXISTS crm.contacts_email_lower_idx;
