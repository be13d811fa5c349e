-- Repeatable: Flyway re-runs this file (after all versioned scripts) whenever its
-- checksum changes, so everything here is CREATE OR REPLACE.

CREATE OR REPLACE FUNCTION crm.full_name(first_name text, last_name text)
RETURNS text
LANGUAGE sql
IMMUTABLE
AS $$ SELECT nullif(btrim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')), '') $$;

CREATE OR REPLACE FUNCTION crm.weighted_amount(amount numeric, probability integer)
RETURNS numeric
LANGUAGE sql
IMMUTABLE
AS $$ SELECT round(coalesce(amount, 0) * coalesce(probability, 0) / 100.0, 2) $$;

CREATE OR REPLACE FUNCTION crm.search_contacts(q text)
RETURNS TABLE (contact_id bigint, display_name text, account_name text)
LANGUAGE plpgsql
STABLE
AS $fn$
DECLARE
    pattern text;
BEGIN
    -- escape LIKE wildcards so that "50%" and "o_brien" match literally
    pattern := '%' || replace(replace(replace(q, E'\\', E'\\\\'), '%', E'\\%'), '_', E'\\_') || '%';
    RETURN QUERY
        SELECT c.id, crm.full_name(c.first_name, c.last_name), a.name
          FROM crm.contacts c
          LEFT JOIN crm.accounts a ON a.id = c.account_id
         WHERE c.email ILIKE pattern
            OR crm.full_name(c.first_name, c.last_name) ILIKE pattern
         ORDER BY 2
         LIMIT 50;
END;
$fn$;
