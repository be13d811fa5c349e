CREATE TABLE ten (id int);
