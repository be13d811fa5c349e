-- Read-only view of Flyway's history for the admin screen. Repeatable migrations
-- (R__*.sql) have a NULL version there; failed runs have success = false.
CREATE VIEW crm.schema_history AS
SELECT installed_rank,
       version,
       description,
       type,
       script,
       installed_on,
       success
  FROM public.flyway_schema_history
 WHERE version IS NOT NULL;

COMMENT ON VIEW crm.schema_history IS 'Flyway''s versioned migrations; success = false means "repair needed"';
