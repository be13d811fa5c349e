-- Turns a lead into an account (found by e-mail domain, or new) plus a contact.
CREATE OR REPLACE FUNCTION crm.convert_lead(p_lead_id bigint)
RETURNS bigint
LANGUAGE plpgsql
AS $fn$
DECLARE
    l          crm.leads%ROWTYPE;
    v_domain   text;
    v_account  bigint;
    v_contact  bigint;
BEGIN
    SELECT * INTO STRICT l FROM crm.leads WHERE id = p_lead_id FOR UPDATE;

    IF l.status = 'converted' THEN
        RETURN l.converted_contact_id;  -- idempotent; the UI double-submits
    END IF;

    v_domain := nullif(lower(split_part(l.email, '@', 2)), '');

    BEGIN
        INSERT INTO crm.accounts (name, domain, owner_email)
        VALUES (coalesce(l.company, v_domain, l.last_name), v_domain, current_user || '@localhost')
        RETURNING id INTO v_account;
    EXCEPTION
        WHEN unique_violation THEN
            -- an account with that domain exists already; attach to it
            SELECT id INTO v_account FROM crm.accounts WHERE lower(domain) = v_domain;
    END;

    INSERT INTO crm.contacts (account_id, first_name, last_name, email, phone)
    VALUES (v_account, l.first_name, l.last_name, l.email, l.phone)
    RETURNING id INTO v_contact;

    UPDATE crm.leads
       SET status = 'converted', converted_contact_id = v_contact
     WHERE id = l.id;

    RETURN v_contact;
EXCEPTION
    WHEN no_data_found THEN
        RAISE EXCEPTION 'lead % not found', p_lead_id USING ERRCODE = 'no_data_found';
END;
$fn$;
