-- migrate:up
-- Message templates with ${...} fields that the application fills in. dbmate
-- has no placeholders: these run as written.
CREATE SCHEMA tpl;

CREATE TABLE tpl.email_template (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    body text NOT NULL
);

INSERT INTO tpl.email_template (name, body) VALUES
    ('welcome', 'Hello ${first_name}, welcome to ${product}!'),
    ('reset', 'Your code is ${code}; $${code} is how the docs write a literal one');

-- migrate:down
DROP TABLE tpl.email_template;
DROP SCHEMA tpl;
