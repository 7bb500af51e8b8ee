-- Emailed links that let an account holder unlock sign-in after failed
-- attempts (issue 16): only the token's SHA-256 is stored.
CREATE TABLE auth_unlocks (
	token_hash TEXT PRIMARY KEY,
	user_id {{BIGINT}} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at {{TS}} NOT NULL,
	expires_at {{TS}} NOT NULL,
	used_at {{TS}}
);
CREATE INDEX auth_unlocks_user ON auth_unlocks (user_id);
