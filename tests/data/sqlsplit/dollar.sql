SELECT $$a; b$$;
SELECT $tag$ has $$ and ; and $other$ inside $tag$;
CREATE FUNCTION f(int) RETURNS int AS $body$
BEGIN
  RETURN $1 + 1; -- ; in body
END;
$body$ LANGUAGE plpgsql;
SELECT $1, $2 FROM t WHERE a = $3;
PREPARE p(int) AS SELECT $1; EXECUTE p(1);
SELECT $a$x$a$;
SELECT a$$b FROM t;
SELECT $_t1$ ; $_t1$;
SELECT $q$ $Q$ ; $q$;
SELECT $$$$;
