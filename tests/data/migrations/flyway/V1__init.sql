CREATE TABLE v1 (id int);
