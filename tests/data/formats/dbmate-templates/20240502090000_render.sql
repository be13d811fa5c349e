-- migrate:up
CREATE FUNCTION tpl.render(tpl text, vars jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    k text;
    result text := tpl;
BEGIN
    FOR k IN SELECT jsonb_object_keys(vars) LOOP
        result := replace(result, '${' || k || '}', vars ->> k);
    END LOOP;
    RETURN result;
END
$$;

-- The fields each template expects, for the admin screen (one of them is
-- spelled like a placeholder pginit's own format would know).
CREATE VIEW tpl.template_fields AS
    SELECT 'welcome'::text AS template, ARRAY['${first_name}', '${product}'] AS fields
    UNION ALL
    SELECT 'grant', ARRAY['${app_role}'];

-- migrate:down
DROP VIEW tpl.template_fields;
DROP FUNCTION tpl.render(text, jsonb);
