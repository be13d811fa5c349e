-- +goose Up
-- Default SLA targets, copied out of the old helpdesk with pg_dump --data-only.
-- Note: the goose binary itself can't run COPY ... FROM stdin (no stdin over
-- database/sql); this file is meant for psql-compatible runners.
COPY tick.sla_policies (priority, first_response, resolution, description) FROM stdin;
low	1 day	14 days	Best effort; no weekend cover
normal	08:00:00	5 days	Business hours
high	02:00:00	2 days	Business hours, the team lead's queue
urgent	00:30:00	08:00:00	24/7; pages the on-call agent
\.

-- +goose Down
DELETE FROM tick.sla_policies WHERE priority IN ('low', 'normal', 'high', 'urgent');
