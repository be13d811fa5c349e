-- migrate:up
-- relies on the default search_path ("$user", public): this is public.notice
CREATE TABLE notice (
    id serial PRIMARY KEY,
    body text NOT NULL
);
INSERT INTO notice (body) VALUES ('maintenance on Sunday');

-- migrate:down
DROP TABLE IF EXISTS public.notice;
