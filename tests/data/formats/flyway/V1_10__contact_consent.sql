-- executeInTransaction=false (V1_10__contact_consent.sql.conf): the script manages its
-- own transaction so that the table lock is the very first thing it takes.
BEGIN;

LOCK TABLE crm.contacts IN SHARE ROW EXCLUSIVE MODE;

ALTER TABLE crm.contacts ADD COLUMN email_opt_out boolean NOT NULL DEFAULT false;
ALTER TABLE crm.contacts ADD COLUMN do_not_call boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN crm.contacts.email_opt_out IS 'GDPR: the contact said "no more e-mails"; honour it everywhere';

COMMIT;
