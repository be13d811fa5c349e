-- adds an index

-- pginit:notx
SELECT 1;
