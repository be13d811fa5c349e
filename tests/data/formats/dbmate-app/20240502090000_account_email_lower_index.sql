-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY account_email_lower_idx ON account (lower(email));

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS account_email_lower_idx;
