-- Undo without the placeholder: revoke from every role that was granted USAGE on crm.
DO $undo$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT DISTINCT pg_get_userbyid(a.grantee) AS role_name
          FROM pg_namespace n
         CROSS JOIN LATERAL aclexplode(n.nspacl) AS a
         WHERE n.nspname = 'crm'
           AND a.grantee <> n.nspowner
           AND a.grantee <> 0          -- 0 = PUBLIC
    LOOP
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA crm FROM %I', r.role_name);
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA crm FROM %I', r.role_name);
        EXECUTE format('REVOKE USAGE ON SCHEMA crm FROM %I', r.role_name);
    END LOOP;
END
$undo$;
