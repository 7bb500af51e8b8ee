-- Consortia: the extras of a partnership with a consortium model.
CREATE TABLE consortium_details (
	partnership_id {{BIGINT}} PRIMARY KEY REFERENCES partnerships (id) ON DELETE CASCADE,
	legal_structure TEXT NOT NULL DEFAULT '',
	registered_id TEXT NOT NULL DEFAULT '',
	full_eligibility TEXT NOT NULL DEFAULT '',
	associate_eligibility TEXT NOT NULL DEFAULT '',
	updated_at {{TS}} NOT NULL
);

-- Membership tier of one membership period (full or associate).
CREATE TABLE consortium_member_tiers (
	member_id {{BIGINT}} PRIMARY KEY REFERENCES partnership_members (id) ON DELETE CASCADE,
	tier TEXT NOT NULL CHECK (tier IN ('full','associate'))
);

-- Governance documents; the file lives under the data directory's uploads
-- folder as stored_name and is served only to those who may see the consortium.
CREATE TABLE consortium_documents (
	id {{ID}},
	partnership_id {{BIGINT}} NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	filename TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size {{BIGINT}} NOT NULL,
	stored_name TEXT NOT NULL UNIQUE,
	uploaded_by {{BIGINT}},
	uploaded_at {{TS}} NOT NULL
);
CREATE INDEX consortium_documents_p ON consortium_documents (partnership_id);

-- The town's definition of a consortium: admin-maintained versions, each a
-- checklist adopted on a date and due for review on another. The version
-- in force is the latest adopted on or before today.
CREATE TABLE consortium_definitions (
	id {{ID}},
	version INTEGER NOT NULL UNIQUE,
	adopted_on {{DATE}} NOT NULL,
	next_review_on {{DATE}} NOT NULL,
	notes TEXT NOT NULL DEFAULT '',
	created_at {{TS}} NOT NULL
);
CREATE TABLE consortium_criteria (
	id {{ID}},
	definition_id {{BIGINT}} NOT NULL REFERENCES consortium_definitions (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	text TEXT NOT NULL
);
CREATE INDEX consortium_criteria_def ON consortium_criteria (definition_id, position);
CREATE TABLE consortium_criteria_met (
	partnership_id {{BIGINT}} NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
	criterion_id {{BIGINT}} NOT NULL REFERENCES consortium_criteria (id) ON DELETE CASCADE,
	PRIMARY KEY (partnership_id, criterion_id)
);
