-- Retention (issue 16). A job's run records a one-line summary of what it
-- did (the retention job: how many rows and files each rule removed).
ALTER TABLE job_runs ADD COLUMN last_result TEXT NOT NULL DEFAULT '';

-- Uploaded files found without any record referring to them, and when
-- they were first found so: the uploads retention period runs from then.
CREATE TABLE retention_orphans (
	path TEXT PRIMARY KEY,
	found_at {{TS}} NOT NULL
);
