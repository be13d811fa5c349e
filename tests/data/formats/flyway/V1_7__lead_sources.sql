CREATE TABLE crm.lead_sources (
    code    text    PRIMARY KEY,
    label   text    NOT NULL,
    is_paid boolean NOT NULL DEFAULT false,
    notes   text
);

-- Reference data in pg_dump format (Flyway's PostgreSQL parser understands COPY ... FROM STDIN).
COPY crm.lead_sources (code, label, is_paid, notes) FROM stdin;
web	Website form	f	\N
referral	Customer referral	f	Ask who referred them; log it on the contact
adwords	Google Ads	t	Campaign id goes in notes:\tutm_campaign
trade_show	Trade show	t	Don't forget the badge-scan export
partner	Partner's lead	f	\N
\.
