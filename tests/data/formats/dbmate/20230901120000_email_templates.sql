-- migrate:up
-- Transactional e-mail templates. Careful with quoting: they're plain SQL strings, so
-- "don't" needs '' or E'\'' -- and yes, the apostrophes in this comment are harmless.
CREATE TABLE shop.email_templates (
    name    text PRIMARY KEY,
    subject text NOT NULL,
    body    text NOT NULL
);

INSERT INTO shop.email_templates (name, subject, body) VALUES
('order_placed',
 'We''ve got your order; thanks!',
 E'Hi {{given_name}},\n\nWe\'ve received order #{{order_id}}; we\'ll write again once it ships.\n\n-- The Shop team'),
('order_shipped',
 E'It\'s on its way',
 'Your parcel left the warehouse; tracking: {{tracking_url}}'),
('export_ready',
 'Your export is ready',
 'Find it under \\fileserver\exports\ (Windows share); it''s kept for 7 days.'),
('password_reset',
 'Reset your password',
 $tpl$Click {{link}}; if you didn't ask for this, ignore this mail -- nothing changes.$tpl$);

-- migrate:down
DROP TABLE IF EXISTS shop.email_templates;
