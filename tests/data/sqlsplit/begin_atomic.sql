CREATE FUNCTION add(a int, b int) RETURNS int
LANGUAGE sql
BEGIN ATOMIC
  SELECT a + b;
END;
CREATE OR REPLACE FUNCTION grade(s int) RETURNS text
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
  SELECT CASE WHEN s >= 90 THEN 'A; top' WHEN s >= 50 THEN 'B' ELSE 'C' END;
  SELECT 1;
END;
create procedure p()
language sql
begin atomic
  insert into t values (1);
  insert into t values (case when true then 2 end);
end;
SELECT 'after';
BEGIN;
SELECT 'in tx';
END;
