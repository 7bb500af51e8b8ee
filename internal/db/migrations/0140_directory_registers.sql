-- Seeding and refreshing the directory from the public registers (the
-- Charity Commission register extract, Companies House basic company
-- data). See internal/directory/register.go.
--
-- org_register_records: the values a register last gave an organisation,
-- so a refresh can tell a member's edit (left alone) from a change at the
-- register (applied). removed_on is the date the register removed the
-- charity or dissolved the company ('' while it is on the register).
CREATE TABLE org_register_records (
	register TEXT NOT NULL CHECK (register IN ('charity','company')),
	number TEXT NOT NULL,
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	name TEXT NOT NULL DEFAULT '',
	legal_form TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	postcode TEXT NOT NULL DEFAULT '',
	income_band TEXT NOT NULL DEFAULT '',
	website TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	themes TEXT NOT NULL DEFAULT '',
	removed_on TEXT NOT NULL DEFAULT '',
	updated_at {{TS}} NOT NULL,
	PRIMARY KEY (register, number)
);
CREATE INDEX org_register_records_org ON org_register_records (organisation_id);

-- The last refresh from each register (shown on the directory page).
CREATE TABLE register_refreshes (
	register TEXT PRIMARY KEY,
	refreshed_at {{TS}} NOT NULL,
	extract_date TEXT NOT NULL DEFAULT '',
	summary TEXT NOT NULL DEFAULT ''
);

-- Organisations typed in by hand (no identifier) that look like a
-- register entry: proposed for an administrator to confirm (the
-- organisation then gets the entry's identifier) or reject (the next
-- refresh creates the entry as an organisation of its own).
CREATE TABLE register_match_proposals (
	id {{ID}},
	register TEXT NOT NULL,
	number TEXT NOT NULL,
	identifier TEXT NOT NULL,
	register_name TEXT NOT NULL,
	register_postcode TEXT NOT NULL DEFAULT '',
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	confidence INTEGER NOT NULL CHECK (confidence BETWEEN 0 AND 100),
	reason TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed','confirmed','rejected')),
	decided_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	decided_at {{TS}},
	created_at {{TS}} NOT NULL,
	UNIQUE (register, number, organisation_id)
);
CREATE INDEX register_match_proposals_status ON register_match_proposals (status, confidence);
