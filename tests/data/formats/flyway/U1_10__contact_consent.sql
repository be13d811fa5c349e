ALTER TABLE crm.contacts DROP COLUMN IF EXISTS do_not_call;
ALTER TABLE crm.contacts DROP COLUMN IF EXISTS email_opt_out;
