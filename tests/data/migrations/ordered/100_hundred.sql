-- version 100
CREATE TABLE hundred (id int);
