/* header ; with 'quote */
SELECT /* inline ; */ 1;
/* outer /* nested ; */ still comment ' ; */ SELECT 2;
SELECT 3 /* multi
line ; */ ;
/**/SELECT 4;
/* a /* b /* c */ b */ a */SELECT 5;
