-- Versions of the consortium definition whose owners (the administrators)
-- were reminded that its review is due, so each is reminded once.
CREATE TABLE consortium_review_reminders (
	definition_id {{BIGINT}} PRIMARY KEY REFERENCES consortium_definitions (id) ON DELETE CASCADE,
	reminded_at {{TS}} NOT NULL
);
