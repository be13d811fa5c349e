DROP TRIGGER IF EXISTS deals_audit_stage ON crm.deals;
DROP FUNCTION IF EXISTS crm.audit_deal_stage();
DROP TABLE IF EXISTS crm.audit_events;
