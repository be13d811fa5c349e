-- a comment
-- pginit:encoding win-1252
-- pginit:no-transaction
SELECT '€';
