ALTER TABLE docs.page ADD COLUMN body text;
UPDATE docs.page SET body = title;
