CREATE TABLE blog.posts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id    bigint      NOT NULL REFERENCES blog.authors (id) ON DELETE RESTRICT,
    slug         text        NOT NULL,
    title        text        NOT NULL,
    body         text        NOT NULL DEFAULT '',
    status       text        NOT NULL DEFAULT 'draft'
                 CONSTRAINT posts_status_check CHECK (status IN ('draft', 'published', 'archived')),
    published_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT posts_slug_key UNIQUE (slug)
);

CREATE INDEX posts_author_id_idx ON blog.posts (author_id);
CREATE INDEX posts_published_at_idx ON blog.posts (published_at DESC) WHERE published_at IS NOT NULL;
