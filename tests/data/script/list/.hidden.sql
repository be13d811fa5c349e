SELECT 'hidden';
