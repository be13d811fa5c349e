-- +goose Up
CREATE VIEW tick.open_tickets AS
SELECT t.id,
       t.ref,
       t.subject,
       t.priority,
       t.status,
       a.name                                  AS assignee,
       t.created_at + sp.first_response        AS respond_by,
       t.created_at + sp.resolution            AS resolve_by,
       (t.created_at + sp.resolution) < now()  AS overdue
  FROM tick.tickets t
  LEFT JOIN tick.agents a        ON a.id = t.assignee_id
  LEFT JOIN tick.sla_policies sp ON sp.priority = t.priority
 WHERE t.status IN ('new', 'open', 'pending');

-- +goose Down
DROP VIEW IF EXISTS tick.open_tickets;
