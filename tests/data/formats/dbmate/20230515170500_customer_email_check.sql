-- migrate:up
-- Some production databases got this constraint by hand during the spam incident,
-- others didn't; and a few of them still hold addresses like 'bob@localhost'.
DO $$
BEGIN
    BEGIN
        ALTER TABLE shop.customers
            ADD CONSTRAINT customers_email_format
            CHECK (email ~* '^[^@\s]+@[^@\s]+\.[^@\s]+$');
    EXCEPTION
        WHEN duplicate_object THEN
            RAISE NOTICE 'customers_email_format already present';
        WHEN check_violation THEN
            RAISE WARNING 'invalid e-mails present; constraint added NOT VALID, clean up and VALIDATE';
            ALTER TABLE shop.customers
                ADD CONSTRAINT customers_email_format
                CHECK (email ~* '^[^@\s]+@[^@\s]+\.[^@\s]+$') NOT VALID;
    END;
END;
$$;

-- migrate:down
ALTER TABLE shop.customers DROP CONSTRAINT IF EXISTS customers_email_format;
