CREATE TABLE blog.authors (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    handle       text        NOT NULL,
    display_name text        NOT NULL,
    email        text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT authors_handle_key UNIQUE (handle),
    CONSTRAINT authors_handle_format CHECK (handle ~ '^[a-z0-9_]{3,32}$')
);

-- e-mail is compared case-insensitively at login
CREATE UNIQUE INDEX authors_email_lower_key ON blog.authors (lower(email));
