CREATE SCHEMA IF NOT EXISTS docs;
CREATE TABLE docs.page (
    id serial PRIMARY KEY,
    slug text NOT NULL,
    title text NOT NULL
);
INSERT INTO docs.page (slug, title) VALUES ('start', 'Getting started'), ('faq', 'Questions'), ('api', 'API');
