-- version 10: after 9, though "0009" < "10_" < "2_" by name
CREATE TABLE ten (id int);
