-- forgot the markers
SELECT 2;
