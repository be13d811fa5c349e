DROP FUNCTION IF EXISTS crm.convert_lead(bigint);
