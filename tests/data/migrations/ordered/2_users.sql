-- version 2, no zero padding
CREATE TABLE two (id int);
