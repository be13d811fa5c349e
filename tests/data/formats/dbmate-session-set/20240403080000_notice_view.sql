-- migrate:up
CREATE VIEW public.notice_count AS SELECT count(*) AS n FROM public.notice;

-- migrate:down
DROP VIEW IF EXISTS public.notice_count;
