-- pginit:encoding LATIN1
SELECT 'café';
