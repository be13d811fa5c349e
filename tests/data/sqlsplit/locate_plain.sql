
  SELECT a,
         b
    FROM t
   WHERE x = 'é';
