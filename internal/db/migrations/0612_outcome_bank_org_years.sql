-- The town's roll-ups read one row per organisation and shared indicator
-- for a year (issue 17): each organisation's total, count and people
-- covered for a bank indicator's figures of periods starting in the year,
-- kept by every measurement written (and rebuilt with the ladder's read
-- model), instead of grouping every figure of the year by organisation.
CREATE TABLE outcome_bank_org_years (
	year INTEGER NOT NULL,
	bank_indicator_id {{BIGINT}} NOT NULL,
	organisation_id {{BIGINT}} NOT NULL,
	total DOUBLE PRECISION NOT NULL,
	n INTEGER NOT NULL,
	people {{BIGINT}} NOT NULL,
	PRIMARY KEY (year, bank_indicator_id, organisation_id)
);
