CREATE INDEX CONCURRENTLY page_title_idx ON docs.page (title);
