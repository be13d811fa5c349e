-- A few sign-ups so the demo shows attendee lists. Natural key:
-- (event, user). Rows whose event or user is missing are skipped by the joins.
INSERT INTO public.event_registrations (event_id, user_id, status, amount_paid, cancelled_at)
SELECT e.id, u.id, v.status, v.amount_paid, CASE WHEN v.status = 'cancelled' THEN now() END
FROM (VALUES
    ('introduction-to-rope-safety', 'member@witchcityrope.com', 'registered', 25.00),
    ('introduction-to-rope-safety', 'guest@witchcityrope.com',  'registered', 25.00),
    ('beginners-rope-jam',          'member@witchcityrope.com', 'registered', 10.00),
    ('monthly-rope-social',         'guest@witchcityrope.com',  'waitlisted',  0.00),
    ('spring-rope-basics-past',     'member@witchcityrope.com', 'attended',   25.00)
) AS v (event_slug, user_email, status, amount_paid)
JOIN public.events AS e ON e.slug = v.event_slug
JOIN auth.users AS u ON u.email = v.user_email
ON CONFLICT (event_id, user_id) DO NOTHING;
