-- A commissioner's required KPIs on an opportunity (issue 17), each an
-- indicator of the town's outcome bank, so a delivering consortium's
-- outcomes report shows them with its members' rolled-up figures.
-- target: what the commissioner asks for, in words ("400 people a year").
CREATE TABLE opportunity_kpis (
	opportunity_id {{BIGINT}} NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
	bank_indicator_id {{BIGINT}} NOT NULL REFERENCES outcome_bank_indicators (id) ON DELETE CASCADE,
	target TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (opportunity_id, bank_indicator_id)
);
CREATE INDEX opportunity_kpis_bank ON opportunity_kpis (bank_indicator_id);
