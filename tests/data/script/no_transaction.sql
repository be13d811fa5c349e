-- pginit:no-transaction
CREATE INDEX CONCURRENTLY a_id ON a (id);
