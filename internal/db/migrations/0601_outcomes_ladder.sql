-- The adoption ladder's read model, so the strategy's measures (counted
-- for every year of the series) read one row per organisation and the
-- last year's measured periods, never every measurement:
-- outcome_org_ladder: the first moments an organisation had a plan, an
-- indicator with a baseline and a target, and a second measured period;
-- outcome_org_periods: each period an organisation measured, first
-- recorded when.
CREATE TABLE outcome_org_ladder (
	organisation_id {{BIGINT}} PRIMARY KEY,
	plan_at {{TS}},
	targets_at {{TS}},
	periods2_at {{TS}}
);
CREATE TABLE outcome_org_periods (
	organisation_id {{BIGINT}} NOT NULL,
	period_start {{DATE}} NOT NULL,
	period_end {{DATE}} NOT NULL,
	recorded_at {{TS}} NOT NULL,
	PRIMARY KEY (organisation_id, period_start)
);
CREATE INDEX outcome_org_periods_end ON outcome_org_periods (period_end, organisation_id, period_start, recorded_at);
CREATE INDEX outcome_plans_created ON outcome_plans (created_at, owner_type, owner_id);
CREATE INDEX outcome_plan_versions_created ON outcome_plan_versions (created_at, plan_id);
DROP INDEX outcome_measurements_owner;

-- Roll-ups read a year of shared indicators' figures from one index: the
-- bank indicator is repeated from the indicator (it never changes).
ALTER TABLE outcome_measurements ADD COLUMN bank_indicator_id {{BIGINT}};
DROP INDEX outcome_measurements_period;
CREATE INDEX outcome_measurements_bank ON outcome_measurements (period_start, bank_indicator_id, owner_type, owner_id, value, people, period);
