-- PLACEHOLDER: this is the only script in the set that uses a Flyway placeholder.
-- ${app_role} is the application's login role (flyway.placeholders.app_role=...;
-- pginit fills it from its placeholder configuration).
GRANT USAGE ON SCHEMA crm TO ${app_role};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA crm TO ${app_role};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA crm TO ${app_role};
