SELECT 'it''s; fine';
SELECT 'a;b' || '''' || ';';
SELECT '
multi-line; string
';
SELECT 'back\'; SELECT 'after backslash';
SELECT '';SELECT '''';
