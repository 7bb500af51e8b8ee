-- Clarification questions, service-design consultations and alerts on
-- opportunities (internal/opportunities: questions.go, consultations.go,
-- alerts.go).

-- Clarification questions: an organisation asks while questions are open
-- (the opportunity's clarification deadline); the asking organisation is
-- shown to the buyer only. The buyer answers; published questions and
-- answers are shown on the page (without the asker) and emailed to the
-- opportunity's followers.
CREATE TABLE opportunity_questions (
	id {{ID}},
	opportunity_id {{BIGINT}} NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
	organisation_id {{BIGINT}} REFERENCES organisations (id) ON DELETE SET NULL,
	asked_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	question TEXT NOT NULL,
	answer TEXT NOT NULL DEFAULT '',
	answered_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	answered_at {{TS}},
	published BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {{TS}} NOT NULL
);
CREATE INDEX opportunity_questions_opp ON opportunity_questions (opportunity_id, created_at);

-- People who follow an opportunity (they get published answers and
-- "you said, we did" summaries).
CREATE TABLE opportunity_follows (
	opportunity_id {{BIGINT}} NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
	user_id {{BIGINT}} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at {{TS}} NOT NULL,
	PRIMARY KEY (opportunity_id, user_id)
);
CREATE INDEX opportunity_follows_user ON opportunity_follows (user_id);

-- A consultation's questionnaire. kind: text (free text), single (one
-- option), multiple (any options), scale (1 to 5). options: one per line.
CREATE TABLE consultation_questions (
	id {{ID}},
	opportunity_id {{BIGINT}} NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('text','single','multiple','scale')),
	prompt TEXT NOT NULL,
	hint TEXT NOT NULL DEFAULT '',
	options TEXT NOT NULL DEFAULT '',
	required BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {{TS}} NOT NULL
);
CREATE INDEX consultation_questions_opp ON consultation_questions (opportunity_id, position);

-- The consultation's own settings: why it is shorter than the Compact
-- minimum (when it is) and the published "you said, we did".
CREATE TABLE consultation_settings (
	opportunity_id {{BIGINT}} PRIMARY KEY REFERENCES opportunities (id) ON DELETE CASCADE,
	short_reason TEXT NOT NULL DEFAULT '',
	you_said TEXT NOT NULL DEFAULT '',
	you_said_at {{TS}},
	you_said_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL
);

-- One response per organisation, editable until the consultation closes.
CREATE TABLE consultation_responses (
	id {{ID}},
	opportunity_id {{BIGINT}} NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	user_id {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	submitted_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	UNIQUE (opportunity_id, organisation_id)
);
CREATE INDEX consultation_responses_submitted ON consultation_responses (submitted_at);

-- value: the text, the chosen option, the chosen options one per line, or
-- the scale point.
CREATE TABLE consultation_answers (
	response_id {{BIGINT}} NOT NULL REFERENCES consultation_responses (id) ON DELETE CASCADE,
	question_id {{BIGINT}} NOT NULL REFERENCES consultation_questions (id) ON DELETE CASCADE,
	value TEXT NOT NULL,
	PRIMARY KEY (response_id, question_id)
);
CREATE INDEX consultation_answers_question ON consultation_answers (question_id);

-- Saved searches of /opportunities. query is the list's query string;
-- last_run_at is when the digest last looked (new and changed
-- opportunities are those updated after it).
CREATE TABLE opportunity_alerts (
	id {{ID}},
	user_id {{BIGINT}} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	query TEXT NOT NULL DEFAULT '',
	frequency TEXT NOT NULL CHECK (frequency IN ('immediately','daily','weekly')),
	last_run_at {{TS}} NOT NULL,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX opportunity_alerts_due ON opportunity_alerts (frequency, last_run_at);
CREATE INDEX opportunity_alerts_user ON opportunity_alerts (user_id);

-- An organisation's "tell our editors about opportunities that fit us"
-- (weekly, by the partner finder's matching).
CREATE TABLE opportunity_org_alerts (
	organisation_id {{BIGINT}} PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
	last_run_at {{TS}} NOT NULL,
	created_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL
);

-- "Not relevant": hidden from this person's alerts and dashboard.
CREATE TABLE opportunity_hidden (
	user_id {{BIGINT}} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	opportunity_id {{BIGINT}} NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
	created_at {{TS}} NOT NULL,
	PRIMARY KEY (user_id, opportunity_id)
);
