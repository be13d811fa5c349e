-- Flyway and golang-migrate run this outside a transaction
CREATE UNIQUE INDEX  CONCURRENTLY t_a ON t (a);
