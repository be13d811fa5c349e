-- migrate:up
CREATE VIEW shop.order_summary AS
SELECT o.id,
       o.status,
       c.email,
       coalesce(c.given_name || ' ' || c.family_name, c.full_name) AS customer_name,
       shop.format_money(o.total_cents, o.currency)                AS total,
       count(i.line_no)                                            AS line_count,
       o.placed_at
  FROM shop.orders o
  JOIN shop.customers c ON c.id = o.customer_id
  LEFT JOIN shop.order_items i ON i.order_id = o.id
 GROUP BY o.id, c.id;

-- migrate:down
DROP VIEW IF EXISTS shop.order_summary;
