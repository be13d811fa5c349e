DROP TABLE IF EXISTS crm.lead_sources;
