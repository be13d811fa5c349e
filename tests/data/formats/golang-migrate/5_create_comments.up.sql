CREATE TABLE blog.comments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id     bigint      NOT NULL REFERENCES blog.posts (id) ON DELETE CASCADE,
    parent_id   bigint      REFERENCES blog.comments (id) ON DELETE CASCADE,
    author_name text        NOT NULL,
    author_url  text,
    body        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX comments_post_id_created_at_idx ON blog.comments (post_id, created_at);
