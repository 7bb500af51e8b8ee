-- Each third-sector organisation's step on the outcomes adoption ladder
-- now (issue 17), kept by the outcomes feature on every write that can
-- move it and refreshed daily (step 4 lapses after 12 months), so the
-- directory filters by step with an index lookup. Step 0 has no row.
CREATE TABLE outcome_org_steps (
	organisation_id {{BIGINT}} PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
	step INTEGER NOT NULL CHECK (step BETWEEN 1 AND 4),
	updated_at {{TS}} NOT NULL
);
CREATE INDEX outcome_org_steps_step ON outcome_org_steps (step, organisation_id);
