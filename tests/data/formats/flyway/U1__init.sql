-- Repeatable scripts have no undo of their own: drop what R__functions.sql created
-- (R__views.sql's views are dropped by U1_3/U1_2/U1_1 together with their tables).
DROP FUNCTION IF EXISTS crm.search_contacts(text);
DROP FUNCTION IF EXISTS crm.weighted_amount(numeric, integer);
DROP FUNCTION IF EXISTS crm.full_name(text, text);

-- no CASCADE: anything left in here means an undo script forgot it
DROP SCHEMA IF EXISTS crm;
