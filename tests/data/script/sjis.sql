-- pginit:encoding SJIS
SELECT 1;
