-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN 1;
END;
$$;
-- +goose StatementEnd
CREATE TABLE g (id int);

-- +goose Down
DROP TABLE g;
DROP FUNCTION f();
