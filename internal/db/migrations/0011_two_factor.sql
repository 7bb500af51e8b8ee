-- Two-factor sign-in (issue 16): a TOTP secret per user (RFC 6238),
-- one-time recovery codes (only their SHA-256 is stored), remembered
-- devices (only the token's SHA-256), and on each session whether it is
-- still waiting for its second factor, when it proved one and when its
-- holder last re-authenticated.
CREATE TABLE user_totp (
	user_id {{BIGINT}} PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	secret TEXT NOT NULL,
	confirmed_at {{TS}},
	last_step {{BIGINT}} NOT NULL DEFAULT 0,
	created_at {{TS}} NOT NULL
);

CREATE TABLE user_recovery_codes (
	id {{ID}},
	user_id {{BIGINT}} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	code_hash TEXT NOT NULL,
	created_at {{TS}} NOT NULL,
	used_at {{TS}},
	replaced_at {{TS}}
);
CREATE INDEX user_recovery_codes_user ON user_recovery_codes (user_id, code_hash);

CREATE TABLE remembered_devices (
	token_hash TEXT PRIMARY KEY,
	user_id {{BIGINT}} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at {{TS}} NOT NULL,
	expires_at {{TS}} NOT NULL,
	user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX remembered_devices_user ON remembered_devices (user_id);

ALTER TABLE sessions ADD COLUMN mfa_pending BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sessions ADD COLUMN second_factor_at {{TS}};
ALTER TABLE sessions ADD COLUMN reauth_at {{TS}};
