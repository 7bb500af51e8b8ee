-- Partnerships and consortia as records (core schema shared with the
-- directory, events and assessments; the partnerships feature extends it).
-- model: informal_network, referral_partnership, joint_project (joint project
-- or memorandum of understanding), lead_contractor_consortium,
-- hub_and_spoke_consortium, consortium_legal_body, joint_venture, merger.
-- The last three consortium models make a partnership a consortium.
-- origin: how it came about: event (origin_event_id names the event),
-- partner_finder, looking_for_partners (origin_post_id), other.
CREATE TABLE partnerships (
	id {{ID}},
	uuid TEXT NOT NULL UNIQUE,
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	purpose TEXT NOT NULL DEFAULT '',
	model TEXT NOT NULL CHECK (model IN ('informal_network','referral_partnership','joint_project','lead_contractor_consortium','hub_and_spoke_consortium','consortium_legal_body','joint_venture','merger')),
	status TEXT NOT NULL CHECK (status IN ('proposed','forming','active','dormant','ended')),
	start_date {{DATE}},
	end_date {{DATE}},
	visibility TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public','members')),
	origin TEXT NOT NULL DEFAULT 'other' CHECK (origin IN ('event','partner_finder','looking_for_partners','other')),
	origin_event_id {{BIGINT}},
	origin_post_id {{BIGINT}},
	import_ref TEXT,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX partnerships_dates ON partnerships (start_date, end_date);
CREATE INDEX partnerships_origin_event ON partnerships (origin_event_id);
CREATE UNIQUE INDEX partnerships_import_ref ON partnerships (import_ref);

-- One row per membership period: an organisation that left and rejoined
-- has two rows.
CREATE TABLE partnership_members (
	id {{ID}},
	partnership_id {{BIGINT}} NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('lead','member','associate','subcontractor')),
	joined_on {{DATE}},
	left_on {{DATE}},
	created_at {{TS}} NOT NULL
);
CREATE INDEX partnership_members_p ON partnership_members (partnership_id);
CREATE INDEX partnership_members_org ON partnership_members (organisation_id, joined_on);

CREATE TABLE partnership_status_history (
	id {{ID}},
	partnership_id {{BIGINT}} NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
	status TEXT NOT NULL,
	changed_at {{TS}} NOT NULL,
	changed_by {{BIGINT}},
	note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX partnership_status_history_p ON partnership_status_history (partnership_id, changed_at);

CREATE TABLE partnership_terms (
	partnership_id {{BIGINT}} NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
	term_id {{BIGINT}} NOT NULL REFERENCES taxonomy_terms (id),
	PRIMARY KEY (partnership_id, term_id)
);
