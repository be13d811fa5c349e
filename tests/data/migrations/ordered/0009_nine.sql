-- version 9
CREATE TABLE nine (id int);
