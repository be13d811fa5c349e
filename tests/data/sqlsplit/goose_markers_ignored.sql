-- +goose StatementBegin
SELECT 1; SELECT 2;
-- +goose StatementEnd
