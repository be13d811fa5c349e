-- a plain file: runs in pginit's transaction
CREATE TABLE a (id int);
INSERT INTO a VALUES (1);
