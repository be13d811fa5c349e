SELECT E'it\'s; fine';
SELECT e'back\\'; SELECT 2;
SELECT E'\\\'; still string';
SELECT name'a\'; SELECT 3;
SELECT some'b\'; SELECT 4;
SELECT E'a' 'b;c';
SELECT x FROM tablE'x\';
SELECT (E'\'');
