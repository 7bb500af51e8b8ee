-- Contributors invited to an assessment by email, for people without a
-- Partnerhub account yet (as organisation invitations work): the link
-- carries a token (only its hash is kept), works once, and expires; the
-- person signs up or in with the invited address and accepts, becoming a
-- contributor (internal/assess/invitations.go).
CREATE TABLE assess_invitations (
	id {{ID}},
	assessment_id {{BIGINT}} NOT NULL REFERENCES assess_assessments (id) ON DELETE CASCADE,
	email TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	invited_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	expires_at {{TS}} NOT NULL,
	accepted_at {{TS}},
	accepted_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX assess_invitations_assessment ON assess_invitations (assessment_id, email);
