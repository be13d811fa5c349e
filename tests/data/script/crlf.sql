CREATE TABLE a (id int);
COPY a FROM stdin;
1
\.
