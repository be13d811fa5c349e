CREATE SCHEMA IF NOT EXISTS parts;
CREATE TABLE parts.part (
    id serial PRIMARY KEY,
    code text NOT NULL,
    weight_g int NOT NULL
);
INSERT INTO parts.part (code, weight_g) VALUES ('bolt', 12), ('nut', 4), ('washer', 2);
