SELECT 1;
-- pginit:no-transaction
SELECT 2;
