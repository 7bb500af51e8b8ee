-- Outcomes planning and monitoring (issue 17): a town-wide outcome bank,
-- plans (planning triangle and theory of change) owned by an organisation
-- or a partnership, versioned by snapshots, indicators, aggregate
-- measurements (never about a person), and declarations of another
-- outcomes system that an admin verifies.
CREATE TABLE outcome_bank_outcomes (
	id {{ID}},
	theme_id {{BIGINT}} NOT NULL REFERENCES taxonomy_terms (id),
	title TEXT NOT NULL,
	definition TEXT NOT NULL DEFAULT '',
	created_at {{TS}} NOT NULL
);
CREATE INDEX outcome_bank_outcomes_theme ON outcome_bank_outcomes (theme_id);

-- rollup: how members' figures combine ('sum' or 'mean').
CREATE TABLE outcome_bank_indicators (
	id {{ID}},
	bank_outcome_id {{BIGINT}} NOT NULL REFERENCES outcome_bank_outcomes (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	definition TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL CHECK (kind IN ('numeric','scale','yesno')),
	unit TEXT NOT NULL DEFAULT '',
	scale_min INTEGER,
	scale_max INTEGER,
	scale_labels TEXT NOT NULL DEFAULT '',
	frequency TEXT NOT NULL CHECK (frequency IN ('monthly','quarterly','yearly')),
	rollup TEXT NOT NULL CHECK (rollup IN ('sum','mean')),
	created_at {{TS}} NOT NULL
);
CREATE INDEX outcome_bank_indicators_outcome ON outcome_bank_indicators (bank_outcome_id);

-- owner_type organisation (organisations.id) or partnership (partnerships.id).
CREATE TABLE outcome_plans (
	id {{ID}},
	owner_type TEXT NOT NULL CHECK (owner_type IN ('organisation','partnership')),
	owner_id {{BIGINT}} NOT NULL,
	title TEXT NOT NULL,
	aim TEXT NOT NULL,
	problem TEXT NOT NULL DEFAULT '',
	assumptions TEXT NOT NULL DEFAULT '',
	start_date {{DATE}} NOT NULL,
	end_date {{DATE}} NOT NULL,
	review_date {{DATE}} NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	reviewed_at {{TS}},
	review_reminded_at {{TS}},
	created_by {{BIGINT}},
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX outcome_plans_owner ON outcome_plans (owner_type, owner_id);

-- A revision's snapshot of the plan as it was (JSON), kept readable.
CREATE TABLE outcome_plan_versions (
	plan_id {{BIGINT}} NOT NULL REFERENCES outcome_plans (id) ON DELETE CASCADE,
	version INTEGER NOT NULL,
	body TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	created_by {{BIGINT}},
	created_at {{TS}} NOT NULL,
	PRIMARY KEY (plan_id, version)
);

CREATE TABLE outcome_outcomes (
	id {{ID}},
	plan_id {{BIGINT}} NOT NULL REFERENCES outcome_plans (id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	term TEXT NOT NULL CHECK (term IN ('short','medium','long')),
	bank_outcome_id {{BIGINT}} REFERENCES outcome_bank_outcomes (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL
);
CREATE INDEX outcome_outcomes_plan ON outcome_outcomes (plan_id);

CREATE TABLE outcome_outcome_themes (
	outcome_id {{BIGINT}} NOT NULL REFERENCES outcome_outcomes (id) ON DELETE CASCADE,
	theme_id {{BIGINT}} NOT NULL REFERENCES taxonomy_terms (id),
	PRIMARY KEY (outcome_id, theme_id)
);

-- The planning triangle's outputs and activities.
CREATE TABLE outcome_steps (
	id {{ID}},
	plan_id {{BIGINT}} NOT NULL REFERENCES outcome_plans (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('output','activity')),
	text TEXT NOT NULL,
	created_at {{TS}} NOT NULL
);
CREATE INDEX outcome_steps_plan ON outcome_steps (plan_id);

-- owner_type/owner_id repeat the plan's so the ladder and roll-ups read
-- one table; parts: disaggregation part names, one a line.
CREATE TABLE outcome_indicators (
	id {{ID}},
	plan_id {{BIGINT}} NOT NULL REFERENCES outcome_plans (id) ON DELETE CASCADE,
	outcome_id {{BIGINT}} NOT NULL REFERENCES outcome_outcomes (id) ON DELETE CASCADE,
	owner_type TEXT NOT NULL,
	owner_id {{BIGINT}} NOT NULL,
	name TEXT NOT NULL,
	definition TEXT NOT NULL DEFAULT '',
	kind TEXT NOT NULL CHECK (kind IN ('numeric','scale','yesno')),
	unit TEXT NOT NULL DEFAULT '',
	scale_min INTEGER,
	scale_max INTEGER,
	scale_labels TEXT NOT NULL DEFAULT '',
	baseline_value DOUBLE PRECISION,
	baseline_date {{DATE}},
	target_value DOUBLE PRECISION,
	target_date {{DATE}},
	frequency TEXT NOT NULL CHECK (frequency IN ('monthly','quarterly','yearly')),
	parts TEXT NOT NULL DEFAULT '',
	bank_indicator_id {{BIGINT}} REFERENCES outcome_bank_indicators (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL
);
CREATE INDEX outcome_indicators_plan ON outcome_indicators (plan_id);
CREATE INDEX outcome_indicators_owner ON outcome_indicators (owner_type, owner_id);
CREATE INDEX outcome_indicators_bank ON outcome_indicators (bank_indicator_id);

-- Aggregates only: value, parts (JSON object) and how many people a
-- figure covers; nothing about any one person.
CREATE TABLE outcome_measurements (
	id {{ID}},
	indicator_id {{BIGINT}} NOT NULL REFERENCES outcome_indicators (id) ON DELETE CASCADE,
	owner_type TEXT NOT NULL,
	owner_id {{BIGINT}} NOT NULL,
	period TEXT NOT NULL,
	period_start {{DATE}} NOT NULL,
	period_end {{DATE}} NOT NULL,
	value DOUBLE PRECISION NOT NULL,
	parts TEXT NOT NULL DEFAULT '',
	people INTEGER,
	source TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	evidence_stored TEXT NOT NULL DEFAULT '',
	evidence_name TEXT NOT NULL DEFAULT '',
	evidence_type TEXT NOT NULL DEFAULT '',
	created_by {{BIGINT}},
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	UNIQUE (indicator_id, period_start)
);
CREATE INDEX outcome_measurements_owner ON outcome_measurements (owner_type, owner_id, period_start, period_end, created_at);
CREATE INDEX outcome_measurements_period ON outcome_measurements (period_start);

-- An organisation that plans and monitors with another system; counts as
-- step 4 of the ladder while an admin's verification is in date.
CREATE TABLE outcome_other_systems (
	organisation_id {{BIGINT}} PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
	system TEXT NOT NULL,
	evidence TEXT NOT NULL,
	declared_by {{BIGINT}},
	declared_at {{TS}} NOT NULL,
	verified_by {{BIGINT}},
	verified_at {{TS}},
	valid_until {{DATE}}
);
