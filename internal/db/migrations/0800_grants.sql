-- 360Giving grants into the town: one row per grant, identified by its
-- 360Giving identifier (re-importing a file updates or leaves grants as
-- they are). Amounts are in minor units of their currency (pence for GBP);
-- only GBP grants count towards GBP totals. award_date is YYYY-MM-DD.
-- recipient_org_id is the directory organisation the recipient was
-- matched to: by org-id (match 'identifier') or by an admin confirming a
-- proposal (match 'confirmed'). beneficiary_ward is a Blackpool ward named
-- by the grant's beneficiary location ('' when it names none).
CREATE TABLE grants (
	id {{ID}},
	identifier TEXT NOT NULL UNIQUE,
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	currency TEXT NOT NULL,
	amount_minor {{BIGINT}} NOT NULL,
	award_date TEXT NOT NULL,
	award_year INTEGER NOT NULL,
	funder_identifier TEXT NOT NULL,
	funder_name TEXT NOT NULL,
	recipient_key TEXT NOT NULL,
	recipient_identifier TEXT NOT NULL DEFAULT '',
	recipient_name TEXT NOT NULL DEFAULT '',
	recipient_postcode TEXT NOT NULL DEFAULT '',
	recipient_charity_number TEXT NOT NULL DEFAULT '',
	recipient_company_number TEXT NOT NULL DEFAULT '',
	recipient_org_id {{BIGINT}} REFERENCES organisations (id) ON DELETE SET NULL,
	match_method TEXT NOT NULL DEFAULT '' CHECK (match_method IN ('','identifier','confirmed')),
	programme TEXT NOT NULL DEFAULT '',
	beneficiary_location TEXT NOT NULL DEFAULT '',
	beneficiary_ward TEXT NOT NULL DEFAULT '',
	theme_code TEXT NOT NULL DEFAULT '',
	data_source TEXT NOT NULL DEFAULT '',
	content_hash TEXT NOT NULL,
	origin TEXT NOT NULL DEFAULT 'import' CHECK (origin IN ('import','demo')),
	imported_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX grants_funder ON grants (funder_identifier, award_year);
CREATE INDEX grants_year ON grants (award_year, currency);
CREATE INDEX grants_recipient_org ON grants (recipient_org_id, award_date);
CREATE INDEX grants_recipient_key ON grants (recipient_key);
CREATE INDEX grants_ward ON grants (beneficiary_ward);
CREATE INDEX grants_theme ON grants (theme_code);

-- Recipients not matched by org-id, proposed to admins as a directory
-- organisation with the same name and/or postcode, with a confidence
-- (0-100). A confirmed proposal matches every grant to that recipient,
-- now and in later imports; a rejected one is not proposed again.
CREATE TABLE grant_match_proposals (
	id {{ID}},
	recipient_key TEXT NOT NULL,
	recipient_name TEXT NOT NULL,
	recipient_postcode TEXT NOT NULL DEFAULT '',
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	confidence INTEGER NOT NULL CHECK (confidence BETWEEN 0 AND 100),
	reason TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed','confirmed','rejected')),
	decided_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	decided_at {{TS}},
	created_at {{TS}} NOT NULL,
	UNIQUE (recipient_key, organisation_id)
);
CREATE INDEX grant_match_proposals_status ON grant_match_proposals (status, confidence);
