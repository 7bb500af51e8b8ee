-- Assessments: versioned frameworks, assessments of an organisation or a
-- partnership against one framework version, contributors, answers,
-- evidence, review, history, results, action plans and awards.
-- A framework row's body is the framework JSON (the import/export format).
CREATE TABLE assess_frameworks (
	id {{ID}},
	fkey TEXT NOT NULL,
	version INTEGER NOT NULL,
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('draft','published','superseded')),
	body TEXT NOT NULL,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	published_at {{TS}},
	UNIQUE (fkey, version)
);

-- Assessors an admin appoints (a pool); admins may review too.
CREATE TABLE assess_assessors (
	user_id {{BIGINT}} PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	appointed_by {{BIGINT}},
	appointed_at {{TS}} NOT NULL
);

-- subject_type: organisation (organisations.id) or partnership (partnerships.id).
CREATE TABLE assess_assessments (
	id {{ID}},
	framework_id {{BIGINT}} NOT NULL REFERENCES assess_frameworks (id),
	kind TEXT NOT NULL,
	subject_type TEXT NOT NULL CHECK (subject_type IN ('organisation','partnership')),
	subject_id {{BIGINT}} NOT NULL,
	subject_name TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('draft','submitted','more_evidence','decided','withdrawn')),
	created_by {{BIGINT}},
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	submitted_at {{TS}},
	decided_at {{TS}},
	reviewer_id {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	self_score DOUBLE PRECISION,
	score DOUBLE PRECISION,
	result TEXT NOT NULL DEFAULT '',
	conditions TEXT NOT NULL DEFAULT '',
	decision_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX assess_assessments_subject ON assess_assessments (subject_type, subject_id);
CREATE INDEX assess_assessments_status ON assess_assessments (kind, status);

CREATE TABLE assess_contributors (
	assessment_id {{BIGINT}} NOT NULL REFERENCES assess_assessments (id) ON DELETE CASCADE,
	user_id {{BIGINT}} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('lead','contributor')),
	invited_by {{BIGINT}},
	created_at {{TS}} NOT NULL,
	PRIMARY KEY (assessment_id, user_id)
);
CREATE INDEX assess_contributors_user ON assess_contributors (user_id);

-- The subject's own answers (self-assessment).
CREATE TABLE assess_answers (
	assessment_id {{BIGINT}} NOT NULL REFERENCES assess_assessments (id) ON DELETE CASCADE,
	indicator TEXT NOT NULL,
	rating INTEGER,
	comment TEXT NOT NULL DEFAULT '',
	updated_by {{BIGINT}},
	updated_at {{TS}} NOT NULL,
	PRIMARY KEY (assessment_id, indicator)
);

-- The reviewer's ratings.
CREATE TABLE assess_reviews (
	assessment_id {{BIGINT}} NOT NULL REFERENCES assess_assessments (id) ON DELETE CASCADE,
	indicator TEXT NOT NULL,
	rating INTEGER,
	comment TEXT NOT NULL DEFAULT '',
	reviewer_id {{BIGINT}},
	updated_at {{TS}} NOT NULL,
	PRIMARY KEY (assessment_id, indicator)
);

-- kind file: stored under the upload directory as storage_name;
-- kind link: a record already in Partnerhub (link_type policy,
-- quality_mark, partnership) with its label at the time of linking.
CREATE TABLE assess_evidence (
	id {{ID}},
	assessment_id {{BIGINT}} NOT NULL REFERENCES assess_assessments (id) ON DELETE CASCADE,
	indicator TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('file','link')),
	name TEXT NOT NULL,
	storage_name TEXT NOT NULL DEFAULT '',
	content_type TEXT NOT NULL DEFAULT '',
	size_bytes {{BIGINT}} NOT NULL DEFAULT 0,
	link_type TEXT NOT NULL DEFAULT '',
	link_id {{BIGINT}},
	added_by {{BIGINT}},
	created_at {{TS}} NOT NULL
);
CREATE INDEX assess_evidence_a ON assess_evidence (assessment_id, indicator);

CREATE TABLE assess_history (
	id {{ID}},
	assessment_id {{BIGINT}} NOT NULL REFERENCES assess_assessments (id) ON DELETE CASCADE,
	at {{TS}} NOT NULL,
	user_id {{BIGINT}},
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX assess_history_a ON assess_history (assessment_id, at);

CREATE TABLE assess_actions (
	id {{ID}},
	assessment_id {{BIGINT}} NOT NULL REFERENCES assess_assessments (id) ON DELETE CASCADE,
	indicator TEXT NOT NULL DEFAULT '',
	title TEXT NOT NULL,
	owner TEXT NOT NULL DEFAULT '',
	due_on {{DATE}},
	status TEXT NOT NULL CHECK (status IN ('open','in_progress','done')),
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	reminded_at {{TS}}
);
CREATE INDEX assess_actions_a ON assess_actions (assessment_id);
CREATE INDEX assess_actions_due ON assess_actions (status, due_on);

-- Results that count while current: Consortia Quality Mark awards and
-- commissioning readiness. Expired (valid_until past) or revoked rows
-- stop counting. reminders lists the reminders already sent
-- (checkin_12, checkin_24, renewal, expired), comma-separated.
CREATE TABLE assess_awards (
	id {{ID}},
	assessment_id {{BIGINT}} NOT NULL REFERENCES assess_assessments (id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	subject_type TEXT NOT NULL,
	subject_id {{BIGINT}} NOT NULL,
	result TEXT NOT NULL,
	label TEXT NOT NULL,
	conditions TEXT NOT NULL DEFAULT '',
	awarded_on {{DATE}} NOT NULL,
	valid_until {{DATE}},
	revoked_at {{TS}},
	reminders TEXT NOT NULL DEFAULT ''
);
CREATE INDEX assess_awards_subject ON assess_awards (kind, subject_type, subject_id);
CREATE INDEX assess_awards_valid ON assess_awards (kind, valid_until);

-- Health check rounds for a partnership.
CREATE TABLE assess_hc_rounds (
	id {{ID}},
	partnership_id {{BIGINT}} NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
	framework_id {{BIGINT}} NOT NULL REFERENCES assess_frameworks (id),
	title TEXT NOT NULL,
	opened_at {{TS}} NOT NULL,
	closes_on {{DATE}},
	closed_at {{TS}},
	created_by {{BIGINT}}
);
CREATE INDEX assess_hc_rounds_p ON assess_hc_rounds (partnership_id, opened_at);
