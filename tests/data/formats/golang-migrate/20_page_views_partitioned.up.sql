CREATE TABLE blog.page_views (
    post_id   bigint      NOT NULL,
    viewed_at timestamptz NOT NULL,
    referrer  text,
    PRIMARY KEY (post_id, viewed_at)
) PARTITION BY RANGE (viewed_at);

CREATE TABLE blog.page_views_default PARTITION OF blog.page_views DEFAULT;

-- One partition per month of 2025 (bounds in UTC); safe to re-run by hand.
DO $part$
DECLARE
    m    date;
    part text;
BEGIN
    FOR m IN SELECT d::date FROM generate_series(date '2025-01-01', date '2025-12-01', interval '1 month') AS d LOOP
        part := format('page_views_%s', to_char(m, 'YYYY_MM'));
        BEGIN
            EXECUTE format(
                'CREATE TABLE blog.%I PARTITION OF blog.page_views FOR VALUES FROM (%L) TO (%L)',
                part,
                m::text || ' 00:00:00+00',
                (m + interval '1 month')::date::text || ' 00:00:00+00');
        EXCEPTION
            WHEN duplicate_table THEN
                RAISE NOTICE 'partition % exists; skipped', part;
        END;
    END LOOP;
END
$part$;
