CREATE TABLE "semi;colon" ("a""b;" int, "it's" text);
SELECT "x"";" FROM "t";
SELECT "multi
line;" FROM t;
SELECT """";
