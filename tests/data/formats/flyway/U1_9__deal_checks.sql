ALTER TABLE crm.deals DROP CONSTRAINT IF EXISTS deals_closed_when_final;
ALTER TABLE crm.deals DROP CONSTRAINT IF EXISTS deals_amount_positive;
ALTER TABLE crm.deals DROP CONSTRAINT IF EXISTS deals_probability_range;
