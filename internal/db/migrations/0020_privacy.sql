-- Privacy (issue 16): a pseudonymous audit log, erasure, the register of
-- subject-access and erasure requests, and legal holds.
--
-- Audit rows name people by a random pseudonym (actor_pid, subject_pid);
-- audit_people links a pseudonym to its user and audit_details holds the
-- free text (the actor's name as it was, the detail). Erasing a person
-- deletes both for them; the append-only audit_log rows stay untouched.
CREATE TABLE audit_people (
	pseudonym TEXT PRIMARY KEY,
	user_id {{BIGINT}} NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE audit_details (
	audit_id {{BIGINT}} PRIMARY KEY,
	actor_pid TEXT,
	subject_pid TEXT,
	actor TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_details_actor ON audit_details (actor_pid);
CREATE INDEX audit_details_subject ON audit_details (subject_pid);

ALTER TABLE audit_log ADD COLUMN actor_pid TEXT;
ALTER TABLE audit_log ADD COLUMN subject_pid TEXT;
CREATE INDEX audit_log_actor_pid ON audit_log (actor_pid, at);
CREATE INDEX audit_log_subject_pid ON audit_log (subject_pid, at);

-- An erased account keeps its row (ids elsewhere stay valid) with nothing
-- personal in it.
ALTER TABLE users ADD COLUMN erased_at {{TS}};

-- The register of data-protection requests (subject access, erasure).
CREATE TABLE privacy_requests (
	id {{ID}},
	kind TEXT NOT NULL CHECK (kind IN ('access','erasure')),
	email TEXT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	channel TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email','post','phone','in_person','web')),
	received_on {{DATE}} NOT NULL,
	due_on {{DATE}} NOT NULL,
	extension_reason TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	created_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	exported_at {{TS}},
	completed_at {{TS}}
);
CREATE INDEX privacy_requests_open ON privacy_requests (completed_at, due_on);

-- A legal hold keeps a person's records: erasure is refused while one is open.
CREATE TABLE legal_holds (
	id {{ID}},
	email TEXT NOT NULL,
	reason TEXT NOT NULL,
	created_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	released_at {{TS}}
);
CREATE INDEX legal_holds_email ON legal_holds (email);
