-- migrate:up
CREATE TABLE shop.coupons (
    code             text         PRIMARY KEY CHECK (code = upper(code)),
    percent_off      numeric(5,2) CHECK (percent_off > 0 AND percent_off <= 100),
    amount_off_cents integer      CHECK (amount_off_cents > 0),
    valid_during     tstzrange    NOT NULL,
    max_uses         integer,
    used_count       integer      NOT NULL DEFAULT 0,
    -- exactly one kind of discount per coupon
    CONSTRAINT coupons_one_discount CHECK ((percent_off IS NULL) <> (amount_off_cents IS NULL))
);

ALTER TABLE shop.orders
    ADD COLUMN coupon_code text REFERENCES shop.coupons (code) ON UPDATE CASCADE;

-- migrate:down
ALTER TABLE shop.orders DROP COLUMN IF EXISTS coupon_code;
DROP TABLE IF EXISTS shop.coupons;
