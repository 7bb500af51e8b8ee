-- Directory: organisation profiles (one row per organisation, created on
-- first edit or import; organisations without one show the basics),
-- identifiers in org-id form, areas served, taxonomy terms, policies,
-- quality marks, contact people (publication consent per field), claims,
-- networks and personal API tokens.
CREATE TABLE org_profiles (
	organisation_id {{BIGINT}} PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
	other_names TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	mission TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	postcode TEXT NOT NULL DEFAULT '',
	income_band TEXT NOT NULL DEFAULT '' CHECK (income_band IN ('','under_10k','10k_100k','100k_500k','500k_1m','1m_5m','over_5m')),
	staff INTEGER,
	volunteers INTEGER,
	outcomes_method TEXT NOT NULL DEFAULT '' CHECK (outcomes_method IN ('','none','planning_triangle','theory_of_change','outcomes_star','other')),
	website TEXT NOT NULL DEFAULT '',
	social_links TEXT NOT NULL DEFAULT '',
	published BOOLEAN NOT NULL DEFAULT TRUE,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX org_profiles_income ON org_profiles (income_band);

CREATE TABLE org_identifiers (
	identifier TEXT PRIMARY KEY,
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	scheme TEXT NOT NULL
);
CREATE INDEX org_identifiers_org ON org_identifiers (organisation_id);

-- kind: ward (Blackpool ward name) or la (local authority code, e.g. BPL).
CREATE TABLE org_areas (
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('ward','la')),
	code TEXT NOT NULL,
	PRIMARY KEY (organisation_id, kind, code)
);
CREATE INDEX org_areas_code ON org_areas (kind, code, organisation_id);

CREATE TABLE org_terms (
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	term_id {{BIGINT}} NOT NULL REFERENCES taxonomy_terms (id),
	PRIMARY KEY (organisation_id, term_id)
);
CREATE INDEX org_terms_term ON org_terms (term_id, organisation_id);

CREATE TABLE org_policies (
	id {{ID}},
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('safeguarding','equality_diversity','health_safety','data_protection','complaints','whistleblowing','environmental')),
	review_date {{DATE}},
	UNIQUE (organisation_id, kind)
);
CREATE INDEX org_policies_kind ON org_policies (kind, organisation_id);

CREATE TABLE org_quality_marks (
	id {{ID}},
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	level TEXT NOT NULL DEFAULT '',
	awarded_on {{DATE}},
	expires_on {{DATE}}
);
CREATE INDEX org_quality_marks_org ON org_quality_marks (organisation_id);
CREATE INDEX org_quality_marks_name ON org_quality_marks (name, organisation_id);

-- Contact people are personal data: each field is public only with the
-- person's recorded consent.
CREATE TABLE org_contacts (
	id {{ID}},
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	role TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	publish_name BOOLEAN NOT NULL DEFAULT FALSE,
	publish_email BOOLEAN NOT NULL DEFAULT FALSE,
	publish_phone BOOLEAN NOT NULL DEFAULT FALSE,
	consent_at {{TS}},
	created_at {{TS}} NOT NULL
);
CREATE INDEX org_contacts_org ON org_contacts (organisation_id);

CREATE TABLE org_claims (
	id {{ID}},
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	user_id {{BIGINT}} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	message TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected')),
	created_at {{TS}} NOT NULL,
	decided_at {{TS}},
	decided_by {{BIGINT}}
);
CREATE INDEX org_claims_status ON org_claims (status, created_at);

CREATE TABLE networks (
	id {{ID}},
	uuid TEXT NOT NULL UNIQUE,
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	purpose TEXT NOT NULL DEFAULT '',
	who_can_join TEXT NOT NULL DEFAULT '',
	meeting_pattern TEXT NOT NULL DEFAULT '',
	contact TEXT NOT NULL DEFAULT '',
	owner_org_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);

CREATE TABLE network_terms (
	network_id {{BIGINT}} NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	term_id {{BIGINT}} NOT NULL REFERENCES taxonomy_terms (id),
	PRIMARY KEY (network_id, term_id)
);

CREATE TABLE network_members (
	network_id {{BIGINT}} NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	status TEXT NOT NULL CHECK (status IN ('requested','member')),
	requested_at {{TS}} NOT NULL,
	decided_at {{TS}},
	PRIMARY KEY (network_id, organisation_id)
);
CREATE INDEX network_members_org ON network_members (organisation_id);

CREATE TABLE api_tokens (
	id {{ID}},
	user_id {{BIGINT}} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at {{TS}} NOT NULL,
	last_used_at {{TS}},
	revoked_at {{TS}}
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
