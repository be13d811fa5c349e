-- The five development accounts. Every one signs in with the password
-- Test123! (bcrypt, cost 8). Natural key: email. Existing accounts are left
-- alone, so the hash (random salt) is not rewritten and a developer who
-- changed a password keeps it. Administrator and Moderator start vetted.
-- encrypted_legal_name holds a placeholder: real values are encrypted by the
-- application, which seed SQL cannot do without its key.
INSERT INTO auth.users (
    email, scene_name, password_hash, role, is_active, is_vetted,
    pronouns, pronounced_name, encrypted_legal_name, date_of_birth
)
SELECT v.email,
       v.scene_name,
       public.crypt('Test123!', public.gen_salt('bf', 8)),
       v.role,
       true,
       v.role IN ('Administrator', 'Moderator'),
       'they/them',
       v.pronounced_name,
       'placeholder_legal_name_' || lower(v.scene_name),
       DATE '1990-01-01'
FROM (VALUES
    ('admin@witchcityrope.com',     'RopeMaster',     'Administrator', 'Rope Master'),
    ('staff@witchcityrope.com',     'SafetyFirst',    'Moderator',     'Safety First'),
    ('member@witchcityrope.com',    'RopeEnthusiast', 'Member',        'Rope Enthusiast'),
    ('guest@witchcityrope.com',     'Newcomer',       'Attendee',      'Newcomer'),
    ('organizer@witchcityrope.com', 'EventMaker',     'Organizer',     'Event Maker')
) AS v (email, scene_name, role, pronounced_name)
ON CONFLICT (email) DO NOTHING;
