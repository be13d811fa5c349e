CREATE INDEX CONCURRENTLY part_code_idx ON parts.part (code);
