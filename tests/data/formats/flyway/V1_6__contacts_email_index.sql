-- Runs outside a transaction: see V1_6__contacts_email_index.sql.conf
-- (executeInTransaction=false). Flyway would also detect CREATE INDEX CONCURRENTLY
-- on its own, but the script config makes it explicit.
CREATE INDEX CONCURRENTLY IF NOT EXISTS contacts_email_lower_idx
    ON crm.contacts (lower(email))
    WHERE email IS NOT NULL;
