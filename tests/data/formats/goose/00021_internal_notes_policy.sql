-- +goose Up
ALTER TABLE tick.ticket_comments ENABLE ROW LEVEL SECURITY;

-- The customer portal connects with tick.audience = 'customer' and must not see internal notes.
CREATE POLICY ticket_comments_visibility ON tick.ticket_comments
    FOR SELECT
    USING (NOT is_internal OR coalesce(current_setting('tick.audience', true), '') <> 'customer');

CREATE POLICY ticket_comments_write ON tick.ticket_comments
    FOR INSERT
    WITH CHECK (true);

-- +goose Down
DROP POLICY IF EXISTS ticket_comments_write ON tick.ticket_comments;
DROP POLICY IF EXISTS ticket_comments_visibility ON tick.ticket_comments;
ALTER TABLE tick.ticket_comments DISABLE ROW LEVEL SECURITY;
