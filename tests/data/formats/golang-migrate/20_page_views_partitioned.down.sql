-- drops the partitions with it
DROP TABLE IF EXISTS blog.page_views;
