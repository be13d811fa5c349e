-- it's a comment; with 'quotes' and "double" and $$ dollars
SELECT 1; -- trailing comment; 'x
SELECT 'a' -- inner comment with ; and '
  , 2;
--;
SELECT 3--no space; still comment
;
