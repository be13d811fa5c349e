-- Deterministic sign-ups for the test member. Natural key: (event, user).
INSERT INTO public.event_registrations (
    id, event_id, user_id, status, amount_paid, registered_at, created_at, updated_at
)
VALUES
    ('00000000-0000-4000-8000-000000000201',
     '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-000000000002',
     'registered', 25.00, TIMESTAMPTZ '2024-01-02 12:00:00+00',
     TIMESTAMPTZ '2024-01-02 12:00:00+00', TIMESTAMPTZ '2024-01-02 12:00:00+00'),
    ('00000000-0000-4000-8000-000000000202',
     '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-000000000002',
     'attended', 15.00, TIMESTAMPTZ '2020-02-20 09:00:00+00',
     TIMESTAMPTZ '2020-02-20 09:00:00+00', TIMESTAMPTZ '2020-02-20 09:00:00+00')
ON CONFLICT (event_id, user_id) DO NOTHING;
