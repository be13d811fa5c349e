-- header
SELECT 1;
