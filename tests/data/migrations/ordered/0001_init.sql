-- version 1
CREATE TABLE one (id int);
