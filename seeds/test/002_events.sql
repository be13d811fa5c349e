-- Three deterministic events: two far in the future (one unpublished) and
-- one in the past, so "upcoming"/"published" filters have a known answer.
-- Natural key: slug.
INSERT INTO public.events (
    id, slug, title, description, start_date, end_date, capacity, event_type,
    location, is_published, pricing_tiers, created_by, updated_by, created_at, updated_at
)
VALUES
    ('00000000-0000-4000-8000-000000000101', 'test-workshop', 'Test Workshop',
     'Upcoming published workshop.',
     TIMESTAMPTZ '2099-01-15 18:00:00+00', TIMESTAMPTZ '2099-01-15 21:00:00+00',
     10, 'Workshop', 'Test Room 1', true,
     '[{"label": "Standard", "amount": 25}]'::jsonb,
     '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000001',
     TIMESTAMPTZ '2024-01-01 00:00:00+00', TIMESTAMPTZ '2024-01-01 00:00:00+00'),
    ('00000000-0000-4000-8000-000000000102', 'test-social-draft', 'Test Social (Draft)',
     'Upcoming unpublished social.',
     TIMESTAMPTZ '2099-02-01 19:00:00+00', TIMESTAMPTZ '2099-02-01 23:00:00+00',
     30, 'Social', 'Test Room 2', false,
     '[]'::jsonb,
     '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000001',
     TIMESTAMPTZ '2024-01-01 00:00:00+00', TIMESTAMPTZ '2024-01-01 00:00:00+00'),
    ('00000000-0000-4000-8000-000000000103', 'test-past-class', 'Test Past Class',
     'Past published class.',
     TIMESTAMPTZ '2020-03-01 18:00:00+00', TIMESTAMPTZ '2020-03-01 20:00:00+00',
     5, 'Class', 'Test Room 1', true,
     '[{"label": "Drop-in", "amount": 15}]'::jsonb,
     '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000001',
     TIMESTAMPTZ '2024-01-01 00:00:00+00', TIMESTAMPTZ '2024-01-01 00:00:00+00')
ON CONFLICT (slug) DO NOTHING;
