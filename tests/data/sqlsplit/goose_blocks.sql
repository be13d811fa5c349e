-- +goose Up
SELECT 1;
-- +goose StatementBegin
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN 1; -- ; inside
END;
$$;
-- +goose StatementEnd
SELECT 2
-- +GOOSE statementbegin
DO 'BEGIN; END';
SELECT 3;
--   +goose   StatementEnd
-- +goose StatementBegin

-- +goose StatementEnd
SELECT 4;
