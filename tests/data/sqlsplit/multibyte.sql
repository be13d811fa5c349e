SELECT 'héllo wörld'; SELECT 2;
/* ünïcödé ☃ */ SELECT '日本語'; SELECT 3;
SELECT "ïdent", 'x' FROM "tåble";
	SELECT 'ü';
INSERT INTO t VALUES
  ('é', 'ü'),
  ('日本', bogus);
