-- Foundation: accounts, organisations, memberships, sessions, tokens,
-- throttling, outbox mail, audit log, job runs.
CREATE TABLE users (
	id {{ID}},
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	email_verified_at {{TS}},
	is_admin BOOLEAN NOT NULL DEFAULT FALSE,
	disabled_at {{TS}},
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);

CREATE TABLE organisations (
	id {{ID}},
	uuid TEXT NOT NULL UNIQUE,
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	sector TEXT NOT NULL CHECK (sector IN ('vcs','social_enterprise','faith','public','private')),
	legal_form TEXT NOT NULL CHECK (legal_form IN ('charity','cio','charitable_company','cic','cbs','unincorporated','public_body','company')),
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX organisations_name ON organisations (name);

CREATE TABLE memberships (
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	user_id {{BIGINT}} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('owner','editor','viewer')),
	created_at {{TS}} NOT NULL,
	PRIMARY KEY (organisation_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE invitations (
	id {{ID}},
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	email TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('owner','editor','viewer')),
	token_hash TEXT NOT NULL UNIQUE,
	invited_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	expires_at {{TS}} NOT NULL,
	accepted_at {{TS}}
);
CREATE INDEX invitations_org ON invitations (organisation_id);

CREATE TABLE sessions (
	id_hash TEXT PRIMARY KEY,
	user_id {{BIGINT}} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at {{TS}} NOT NULL,
	last_seen_at {{TS}} NOT NULL,
	expires_at {{TS}} NOT NULL,
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Single-use emailed tokens: email verification, password reset, email change.
CREATE TABLE user_tokens (
	token_hash TEXT PRIMARY KEY,
	user_id {{BIGINT}} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	purpose TEXT NOT NULL CHECK (purpose IN ('verify','reset','email_change')),
	new_email TEXT NOT NULL DEFAULT '',
	created_at {{TS}} NOT NULL,
	expires_at {{TS}} NOT NULL,
	used_at {{TS}}
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, purpose);

CREATE TABLE auth_failures (
	id {{ID}},
	key TEXT NOT NULL,
	at {{TS}} NOT NULL
);
CREATE INDEX auth_failures_key ON auth_failures (key, at);

CREATE TABLE outbox (
	id {{ID}},
	to_addr TEXT NOT NULL,
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	kind TEXT NOT NULL DEFAULT '',
	created_at {{TS}} NOT NULL,
	claimed_until {{TS}},
	sent_at {{TS}},
	delivery TEXT NOT NULL DEFAULT '',
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox (sent_at, id);
CREATE INDEX outbox_to ON outbox (to_addr);

CREATE TABLE audit_log (
	id {{ID}},
	at {{TS}} NOT NULL,
	user_id {{BIGINT}},
	actor TEXT NOT NULL DEFAULT '',
	organisation_id {{BIGINT}},
	action TEXT NOT NULL,
	object_type TEXT NOT NULL DEFAULT '',
	object_id TEXT NOT NULL DEFAULT '',
	request_id TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_org ON audit_log (organisation_id, at);
CREATE INDEX audit_log_user ON audit_log (user_id, at);

CREATE TABLE job_runs (
	name TEXT PRIMARY KEY,
	last_started_at {{TS}},
	last_finished_at {{TS}},
	last_error TEXT NOT NULL DEFAULT '',
	locked_until {{TS}}
);
