-- Older installs already have some of these checks (added by hand); skip what exists,
-- and don't fail the deploy over legacy rows that break them.
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT * FROM (VALUES
            ('deals_probability_range', 'CHECK (probability BETWEEN 0 AND 100)'),
            ('deals_amount_positive',   'CHECK (amount IS NULL OR amount >= 0)'),
            ('deals_closed_when_final', 'CHECK ((stage IN (''won'', ''lost'')) = (closed_at IS NOT NULL))')
        ) AS v (name, def)
    LOOP
        BEGIN
            EXECUTE format('ALTER TABLE crm.deals ADD CONSTRAINT %I %s', c.name, c.def);
        EXCEPTION
            WHEN duplicate_object THEN
                RAISE NOTICE 'constraint % already exists; skipped', c.name;
            WHEN check_violation THEN
                RAISE WARNING 'existing deals violate %; added NOT VALID', c.name;
                EXECUTE format('ALTER TABLE crm.deals ADD CONSTRAINT %I %s NOT VALID', c.name, c.def);
        END;
    END LOOP;
END
$$;
