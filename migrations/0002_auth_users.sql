-- Application accounts. Lives in the auth schema, apart from event data, so
-- that credentials and personal data can be granted separately.
--
-- password_hash holds a bcrypt hash produced by pgcrypto:
--     public.crypt(:password, public.gen_salt('bf', 8))
-- and is verified with
--     password_hash = public.crypt(:candidate, password_hash)
CREATE TABLE auth.users (
    id                   uuid          NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    email                public.citext NOT NULL,
    scene_name           text          NOT NULL,
    password_hash        text          NOT NULL,
    role                 text          NOT NULL DEFAULT 'Attendee',
    is_active            boolean       NOT NULL DEFAULT true,
    is_vetted            boolean       NOT NULL DEFAULT false,
    pronouns             text,
    pronounced_name      text,
    encrypted_legal_name text,
    date_of_birth        date,
    created_at           timestamptz   NOT NULL DEFAULT now(),
    updated_at           timestamptz   NOT NULL DEFAULT now(),
    -- citext makes the uniqueness case-insensitive: Admin@x and admin@x collide
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_scene_name_key UNIQUE (scene_name),
    CONSTRAINT users_email_format CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
    CONSTRAINT users_scene_name_length CHECK (char_length(btrim(scene_name)) BETWEEN 2 AND 50),
    CONSTRAINT users_role_check
        CHECK (role IN ('Administrator', 'Moderator', 'Organizer', 'Member', 'Attendee')),
    -- refuse plain text or other hash schemes: only bcrypt ($2a$/$2b$/...) is accepted
    CONSTRAINT users_password_hash_bcrypt
        CHECK (password_hash ~ '^\$2[abxy]\$[0-9]{2}\$[./A-Za-z0-9]{53}$'),
    CONSTRAINT users_date_of_birth_range CHECK (date_of_birth > DATE '1900-01-01')
);

COMMENT ON TABLE auth.users IS 'Application accounts (one row per person).';
COMMENT ON COLUMN auth.users.scene_name IS 'Public display name used in the community.';
COMMENT ON COLUMN auth.users.password_hash IS 'bcrypt hash from public.crypt(..., public.gen_salt(''bf'', 8)).';
COMMENT ON COLUMN auth.users.encrypted_legal_name IS 'Legal name, encrypted by the application before storage; never plain text.';
COMMENT ON COLUMN auth.users.is_vetted IS 'True once the member has passed vetting.';
