-- migrate:up
CREATE TABLE shop.reviews (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id  bigint      NOT NULL REFERENCES shop.products (id) ON DELETE CASCADE,
    customer_id bigint      NOT NULL REFERENCES shop.customers (id) ON DELETE CASCADE,
    rating      smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reviews_one_per_customer UNIQUE (product_id, customer_id)
);

-- migrate:down
DROP TABLE IF EXISTS shop.reviews;
