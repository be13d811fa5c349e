CREATE FUNCTION parts.heavy(w int) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT w > 10 $$;
ALTER TABLE parts.part ADD CONSTRAINT part_weight_positive CHECK (weight_g > 0);
