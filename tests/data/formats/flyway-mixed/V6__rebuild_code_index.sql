DROP INDEX CONCURRENTLY parts.part_code_idx;
CREATE UNIQUE INDEX CONCURRENTLY part_code_key ON parts.part (code);
