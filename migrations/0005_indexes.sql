-- Indexes for the queries the application runs most: the upcoming-events
-- calendar, "events I created", and user lists filtered by role.
-- Unique constraints (email, scene_name, vetting code) already have indexes.

-- calendar: published events ordered by start date
CREATE INDEX events_published_start_date_idx
    ON public.events (start_date)
    WHERE is_published;

-- admin views list every event, published or not, by date
CREATE INDEX events_start_date_idx
    ON public.events (start_date);

-- foreign keys are not indexed automatically; these keep user deletes
-- (ON DELETE SET NULL) from scanning the whole events table
CREATE INDEX events_created_by_idx
    ON public.events (created_by);

CREATE INDEX events_updated_by_idx
    ON public.events (updated_by);

CREATE INDEX users_role_idx
    ON auth.users (role);
