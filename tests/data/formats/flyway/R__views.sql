-- Repeatable: re-applied whenever this file changes. CREATE OR REPLACE VIEW can only
-- add columns at the end; renaming/removing one needs a DROP VIEW here first.

CREATE OR REPLACE VIEW crm.v_contacts AS
SELECT c.id,
       crm.full_name(c.first_name, c.last_name) AS name,
       c.email,
       c.phone,
       a.name                                   AS account
  FROM crm.contacts c
  LEFT JOIN crm.accounts a ON a.id = c.account_id;

CREATE OR REPLACE VIEW crm.v_pipeline AS
SELECT d.stage,
       count(*)                                          AS deals,
       sum(d.amount)                                     AS amount,
       sum(crm.weighted_amount(d.amount, d.probability)) AS weighted_amount
  FROM crm.deals d
 WHERE d.closed_at IS NULL
 GROUP BY d.stage;
