DROP INDEX CONCURRENTLY docs.page_title_idx;
