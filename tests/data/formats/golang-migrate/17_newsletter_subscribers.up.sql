CREATE TABLE blog.subscribers (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           text        NOT NULL,
    confirm_token   uuid        NOT NULL DEFAULT gen_random_uuid(),
    confirmed_at    timestamptz,
    unsubscribed_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX subscribers_email_lower_key ON blog.subscribers (lower(email));

CREATE INDEX subscribers_active_idx
    ON blog.subscribers (created_at)
    WHERE confirmed_at IS NOT NULL AND unsubscribed_at IS NULL;
