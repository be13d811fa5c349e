SELECT 1;
vacuum (analyze) t;
