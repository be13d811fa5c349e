-- wraps itself: pginit must not nest
BEGIN;
CREATE TABLE a (id int);
INSERT INTO a VALUES (1);
COMMIT;
