-- Community events (workshops, socials, classes ...).
--
-- pricing_tiers is jsonb: an array of {"label": text, "amount": number} in
-- US dollars, e.g. a sliding scale of $25-$45 is
--     [{"label": "Sliding scale (low)", "amount": 25},
--      {"label": "Sliding scale (high)", "amount": 45}]
-- and a free event is []. The design notes kept it as display text; a
-- structured value lets the application compute and validate prices.
CREATE TABLE public.events (
    id            uuid        NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    title         text        NOT NULL,
    description   text,
    start_date    timestamptz NOT NULL,
    end_date      timestamptz NOT NULL,
    capacity      integer     NOT NULL,
    event_type    text        NOT NULL,
    location      text,
    is_published  boolean     NOT NULL DEFAULT false,
    pricing_tiers jsonb       NOT NULL DEFAULT '[]'::jsonb,
    -- audit fields: who created / last changed the row, and when
    created_by    uuid        REFERENCES auth.users (id) ON DELETE SET NULL,
    updated_by    uuid        REFERENCES auth.users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_title_not_blank CHECK (btrim(title) <> ''),
    CONSTRAINT events_dates_check CHECK (end_date > start_date),
    CONSTRAINT events_capacity_check CHECK (capacity > 0),
    CONSTRAINT events_event_type_check
        CHECK (event_type IN ('Workshop', 'Class', 'Social', 'Meetup', 'Performance')),
    CONSTRAINT events_pricing_tiers_is_array CHECK (jsonb_typeof(pricing_tiers) = 'array')
);

COMMENT ON TABLE public.events IS 'Community events shown in the calendar.';
COMMENT ON COLUMN public.events.pricing_tiers IS
    'JSON array of {"label": text, "amount": number (USD)}; [] means free.';

CREATE TRIGGER events_set_updated_at
    BEFORE UPDATE ON public.events
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
