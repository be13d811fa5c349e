-- The team's database has its own search_path (put there once, by hand, years
-- ago): unqualified names in the migrations mean schema inventory.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET search_path TO inventory, public', current_database());
END
$$;
