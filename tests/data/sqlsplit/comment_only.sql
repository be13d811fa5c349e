-- nothing but comments here; 'really'
/* and a block
   comment; */
-- the end
