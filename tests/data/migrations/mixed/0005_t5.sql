CREATE TABLE t5 (id int);
