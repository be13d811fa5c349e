-- an index built without a transaction
-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY a_id ON a (id);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY a_id;
