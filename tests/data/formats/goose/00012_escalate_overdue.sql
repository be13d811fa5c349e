-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION tick.escalate_overdue(p_now timestamptz DEFAULT now())
RETURNS integer
LANGUAGE plpgsql
AS $body$
DECLARE
    t      record;
    bumped integer := 0;
BEGIN
    FOR t IN
        SELECT tk.id, tk.priority
          FROM tick.tickets tk
          JOIN tick.sla_policies sp ON sp.priority = tk.priority
         WHERE tk.status IN ('new', 'open')
           AND tk.created_at + sp.resolution < p_now
           AND tk.priority <> 'urgent'
           FOR UPDATE OF tk SKIP LOCKED
    LOOP
        BEGIN
            UPDATE tick.tickets
               SET priority = (enum_range(t.priority, NULL))[2]
             WHERE id = t.id;
            bumped := bumped + 1;
        EXCEPTION
            WHEN others THEN
                -- one bad row mustn't stop the sweep; log it and move on
                RAISE WARNING 'could not escalate ticket %: %', t.id, SQLERRM;
        END;
    END LOOP;
    RETURN bumped;
END;
$body$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION IF EXISTS tick.escalate_overdue(timestamptz);
