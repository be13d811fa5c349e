-- migrate:up
CREATE TABLE shop.categories (
    id        integer PRIMARY KEY,
    parent_id integer REFERENCES shop.categories (id),
    slug      text    NOT NULL UNIQUE,
    name      text    NOT NULL
);

-- Initial tree, exported from the old shop with pg_dump --data-only --table=categories.
COPY shop.categories (id, parent_id, slug, name) FROM stdin;
1	\N	garden	Garden
2	1	garden-tools	Garden tools
3	1	seeds	Seeds & bulbs
4	\N	kitchen	Kitchen
5	4	knives	Knives; sharpening
6	4	grandmas-recipes	Grandma's recipe books
\.

-- migrate:down
DROP TABLE IF EXISTS shop.categories;
