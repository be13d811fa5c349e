-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE
    n integer;
BEGIN
    UPDATE tick.tickets
       SET solved_at = updated_at
     WHERE status IN ('solved', 'closed')
       AND solved_at IS NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RAISE NOTICE 'backfilled solved_at on % ticket(s)', n;

    BEGIN
        ALTER TABLE tick.tickets
            ADD CONSTRAINT tickets_solved_has_time
            CHECK (status NOT IN ('solved', 'closed') OR solved_at IS NOT NULL);
    EXCEPTION
        WHEN check_violation THEN
            RAISE WARNING 'tickets_solved_has_time added NOT VALID; fix the data, then VALIDATE it';
            ALTER TABLE tick.tickets
                ADD CONSTRAINT tickets_solved_has_time
                CHECK (status NOT IN ('solved', 'closed') OR solved_at IS NOT NULL) NOT VALID;
        WHEN duplicate_object THEN
            NULL;  -- somebody's hotfix got there first
    END;
END
$$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE tick.tickets DROP CONSTRAINT IF EXISTS tickets_solved_has_time;
