SELECT '😀 café €';
