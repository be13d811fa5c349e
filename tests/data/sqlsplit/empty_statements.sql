;;
 ; 
-- only a comment;
/* block ; */;
	;
SELECT 1;;
;