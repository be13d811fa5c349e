-- Data fix: deals imported from the sales spreadsheet have no probability; derive it
-- from the stage. Deliberately no U1_12 undo script: there's nothing to give back.
UPDATE crm.deals
   SET probability = CASE stage
                         WHEN 'prospect'    THEN 10
                         WHEN 'qualified'   THEN 25
                         WHEN 'proposal'    THEN 50
                         WHEN 'negotiation' THEN 75
                         WHEN 'won'         THEN 100
                         ELSE 0
                     END
 WHERE probability IS NULL;
