SELECT 'a';
