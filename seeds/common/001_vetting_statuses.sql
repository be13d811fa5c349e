-- Vetting statuses: reference data every environment except prod gets.
-- Natural key: code. Re-running inserts missing rows and updates rows whose
-- text changed; identical rows are not touched (updated_at stays put).
INSERT INTO public.vetting_statuses AS vs (code, name, description, sort_order, is_terminal)
VALUES
    ('submitted',           'Submitted',           'Application received, not yet picked up by a reviewer.',      10, false),
    ('under_review',        'Under Review',        'A vetting team member is checking references and answers.',   20, false),
    ('interview_scheduled', 'Interview Scheduled', 'An interview with the applicant has been arranged.',          30, false),
    ('on_hold',             'On Hold',             'Paused, waiting for more information from the applicant.',    40, false),
    ('approved',            'Approved',            'Vetting passed; the member may attend vetted-only events.',  50, true),
    ('denied',              'Denied',              'Vetting did not pass.',                                       60, true),
    ('withdrawn',           'Withdrawn',           'The applicant withdrew the application.',                    70, true)
ON CONFLICT (code) DO UPDATE
SET name        = excluded.name,
    description = excluded.description,
    sort_order  = excluded.sort_order,
    is_terminal = excluded.is_terminal
WHERE (vs.name, vs.description, vs.sort_order, vs.is_terminal)
      IS DISTINCT FROM
      (excluded.name, excluded.description, excluded.sort_order, excluded.is_terminal);
