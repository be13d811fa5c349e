-- Who signed up for which event. One row per (event, user); cancelling keeps
-- the row with status 'cancelled' so attendance history is not lost.
CREATE TABLE public.event_registrations (
    id            uuid          NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    event_id      uuid          NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
    user_id       uuid          NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    status        text          NOT NULL DEFAULT 'registered',
    amount_paid   numeric(8, 2) NOT NULL DEFAULT 0,
    registered_at timestamptz   NOT NULL DEFAULT now(),
    cancelled_at  timestamptz,
    created_at    timestamptz   NOT NULL DEFAULT now(),
    updated_at    timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT event_registrations_event_user_key UNIQUE (event_id, user_id),
    CONSTRAINT event_registrations_status_check
        CHECK (status IN ('registered', 'waitlisted', 'cancelled', 'attended')),
    CONSTRAINT event_registrations_amount_check CHECK (amount_paid >= 0),
    -- a cancellation time exactly when (and only when) the row is cancelled
    CONSTRAINT event_registrations_cancelled_check
        CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);

COMMENT ON TABLE public.event_registrations IS 'Sign-ups of users for events.';

-- the unique key serves lookups by event; lookups by user need their own index
CREATE INDEX event_registrations_user_id_idx
    ON public.event_registrations (user_id);

CREATE TRIGGER event_registrations_set_updated_at
    BEFORE UPDATE ON public.event_registrations
    FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
