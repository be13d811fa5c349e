ALTER TABLE blog.comments
    ADD COLUMN is_approved  boolean NOT NULL DEFAULT false,
    ADD COLUMN moderated_at timestamptz;

-- Comments imported from the old WordPress site were all approved there already.
DO $$
DECLARE
    n bigint;
BEGIN
    UPDATE blog.comments
       SET is_approved = true, moderated_at = created_at
     WHERE created_at < timestamptz '2024-01-01 00:00:00+00';
    GET DIAGNOSTICS n = ROW_COUNT;
    RAISE NOTICE 'approved % legacy comment(s)', n;

    BEGIN
        ALTER TABLE blog.comments
            ADD CONSTRAINT comments_moderated_has_time
            CHECK (NOT is_approved OR moderated_at IS NOT NULL);
    EXCEPTION
        WHEN duplicate_object THEN
            RAISE NOTICE 'comments_moderated_has_time already there; skipping';
        WHEN check_violation THEN
            -- someone approved comments by hand without a timestamp; don't block the deploy
            RAISE WARNING 'old rows violate comments_moderated_has_time; adding it NOT VALID';
            ALTER TABLE blog.comments
                ADD CONSTRAINT comments_moderated_has_time
                CHECK (NOT is_approved OR moderated_at IS NOT NULL) NOT VALID;
    END;
END
$$;
