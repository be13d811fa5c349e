CREATE TABLE t (a int, b text);
COPY t (a, b) FROM stdin;
1	one; not a statement
2	'two
3	\N
\.
SELECT count(*) FROM t;
COPY t FROM STDIN WITH (FORMAT csv);
4,"four; x"
\.
COPY t TO stdout;
copy t from stdin;
\.
/* c */ COPY t FROM stdin; -- rest of the line is ignored
5	five
\.
SELECT 'end';
