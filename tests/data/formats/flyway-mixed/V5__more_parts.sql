INSERT INTO parts.part (code, weight_g) VALUES ('gear', 120), ('spring', 9);
UPDATE parts.part SET code = upper(code);
