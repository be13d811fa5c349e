SELECT 1;
SELECT
  2;
-- c; 'x
COPY t FROM stdin;
1	x
\.
SELECT 3;
