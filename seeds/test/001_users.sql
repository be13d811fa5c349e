-- Deterministic test accounts: fixed ids, fixed timestamps and a fixed
-- bcrypt hash (of Test123!, cost 4 so logins in tests are fast), so every
-- test database is identical. Addresses use the reserved test.example domain
-- and never collide with the dev accounts. Natural key: email.
INSERT INTO auth.users (
    id, email, scene_name, password_hash, role, is_active, is_vetted,
    pronouns, pronounced_name, date_of_birth, created_at, updated_at
)
VALUES
    ('00000000-0000-4000-8000-000000000001', 'test-admin@test.example', 'TestAdmin',
     '$2a$04$Ls3Kddg3u89Z4yvk.oC5J.rpvXgw3/68vYEM0nYp8HFUQfdHqSasi', 'Administrator', true, true,
     'she/her', 'Test Admin', DATE '1985-06-15',
     TIMESTAMPTZ '2024-01-01 00:00:00+00', TIMESTAMPTZ '2024-01-01 00:00:00+00'),
    ('00000000-0000-4000-8000-000000000002', 'test-member@test.example', 'TestMember',
     '$2a$04$vtaHWDKNUPlApiOEb/FbrOzGS5WYoqLUTCXq6vz2q.KRojTAsU3cC', 'Member', true, false,
     'he/him', 'Test Member', DATE '1992-11-30',
     TIMESTAMPTZ '2024-01-01 00:00:00+00', TIMESTAMPTZ '2024-01-01 00:00:00+00')
ON CONFLICT (email) DO NOTHING;
