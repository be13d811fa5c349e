-- migrate:up
CREATE TABLE b (id int);
-- migrate:upper is not a marker
