SELECT 1;
SELECT 'ok', 'é', 'unterminated;
SELECT 2;
