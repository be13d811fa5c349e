DROP VIEW IF EXISTS crm.v_pipeline;   -- from R__views.sql
DROP TABLE IF EXISTS crm.deals;
DROP TYPE IF EXISTS crm.deal_stage;
