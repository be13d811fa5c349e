-- pginit:no-transactions
SELECT 1;
