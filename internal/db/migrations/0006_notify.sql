-- Notifications (internal/notify): an HTML part and a one-click
-- unsubscribe address per outbox message; a failed message stops being
-- retried; who asked not to be told what (per person, optionally per
-- organisation); one-click unsubscribe tokens (stored as SHA-256 hashes);
-- and who was already told about what, so nobody is told twice.
ALTER TABLE outbox ADD COLUMN html_body TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN unsubscribe_url TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN failed_at {{TS}};

CREATE TABLE notify_prefs (
	email TEXT NOT NULL,
	kind TEXT NOT NULL,
	organisation_id {{BIGINT}} NOT NULL DEFAULT 0,
	created_at {{TS}} NOT NULL,
	PRIMARY KEY (email, kind, organisation_id)
);

CREATE TABLE notify_tokens (
	token_hash TEXT PRIMARY KEY,
	email TEXT NOT NULL,
	kind TEXT NOT NULL,
	organisation_id {{BIGINT}} NOT NULL DEFAULT 0,
	created_at {{TS}} NOT NULL
);

CREATE TABLE notify_sent (
	email TEXT NOT NULL,
	kind TEXT NOT NULL,
	dedupe_key TEXT NOT NULL,
	sent_at {{TS}} NOT NULL,
	PRIMARY KEY (email, kind, dedupe_key)
);
