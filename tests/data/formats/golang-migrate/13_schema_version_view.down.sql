DROP VIEW IF EXISTS blog.schema_version;
