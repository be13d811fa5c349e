SELECT 1;
-- pginit:encoding LATIN1
