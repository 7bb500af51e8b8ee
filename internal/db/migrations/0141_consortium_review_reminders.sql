-- Versions of the consortium definition whose owners (the administrators)
-- were reminded that its review is due, so each is reminded once. No
-- foreign key to consortium_definitions: that table is made by 0202, which
-- runs after this file on a new database (this number range was assigned to
-- the work that added it); a row of a deleted version is harmless.
CREATE TABLE consortium_review_reminders (
	definition_id {{BIGINT}} PRIMARY KEY,
	reminded_at {{TS}} NOT NULL
);
