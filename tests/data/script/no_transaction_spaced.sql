-- Build the index without locking writes.

--   pginit:no-transaction   
	
CREATE INDEX CONCURRENTLY a_id ON a (id);
