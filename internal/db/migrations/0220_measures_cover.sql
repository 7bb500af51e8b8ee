-- The partnership measures' read model (internal/partnerships/measures_sql.go):
-- small tables kept in step with partnerships, partnership_members and
-- organisations.sector by the triggers of 0221, so that a year's measures
-- read a few narrow index ranges instead of joining every membership.
--
-- Days are whole days since 1970-01-01 (integers compare fast and keep the
-- indexes small); 2932896 (9999-12-31) stands for "still going".
-- Only counted partnerships count: not proposed, with a start date, not
-- ending before they start. A membership's span runs from the later of the
-- day the organisation joined and the partnership's start to the earlier of
-- the day it left and the partnership's end, both days included; a span
-- that ends before it starts does not count.
-- Sectors: t = third sector (vcs, social_enterprise, faith), u = public,
-- v = private.

-- Every counted partnership: model, consortium or not, first and last day.
CREATE TABLE partnership_counted (
	partnership_id {{BIGINT}} PRIMARY KEY,
	model TEXT NOT NULL,
	consortium INTEGER NOT NULL,
	start_day INTEGER NOT NULL,
	end_day INTEGER NOT NULL
);
CREATE INDEX partnership_counted_model ON partnership_counted (model, start_day, end_day);
CREATE INDEX partnership_counted_ended ON partnership_counted (consortium, end_day, start_day);

-- Per third-sector organisation: the first day of its first counted
-- membership and the last day of its last one.
CREATE TABLE partnership_org_cover (
	organisation_id {{BIGINT}} PRIMARY KEY,
	first_day INTEGER NOT NULL,
	last_day INTEGER NOT NULL
);
CREATE INDEX partnership_org_cover_span ON partnership_org_cover (first_day, last_day);

-- The times between an organisation's first and last days when none of its
-- memberships ran: no day after after_day and before before_day is covered.
CREATE TABLE partnership_org_gaps (
	organisation_id {{BIGINT}} NOT NULL,
	after_day INTEGER NOT NULL,
	before_day INTEGER NOT NULL
);
CREATE INDEX partnership_org_gaps_org ON partnership_org_gaps (organisation_id);
CREATE INDEX partnership_org_gaps_span ON partnership_org_gaps (after_day, before_day);

-- Per partnership with third-sector members and public (pair u) or private
-- (pair v) members: the later of the two sectors' first days and the
-- earlier of their last days. Both sectors were members during a year when
-- first_day is before the year's end and last_day is not before its start,
-- unless a gap of either sector (below) holds the whole year.
CREATE TABLE partnership_sector_pairs (
	partnership_id {{BIGINT}} NOT NULL,
	pair TEXT NOT NULL,
	first_day INTEGER NOT NULL,
	last_day INTEGER NOT NULL,
	PRIMARY KEY (partnership_id, pair)
);
CREATE INDEX partnership_sector_pairs_span ON partnership_sector_pairs (pair, first_day, last_day);

-- The times when a partnership had no member of a sector (kind t, u or v)
-- between that sector's first and last days.
CREATE TABLE partnership_sector_gaps (
	partnership_id {{BIGINT}} NOT NULL,
	kind TEXT NOT NULL,
	after_day INTEGER NOT NULL,
	before_day INTEGER NOT NULL
);
CREATE INDEX partnership_sector_gaps_p ON partnership_sector_gaps (partnership_id, kind);
CREATE INDEX partnership_sector_gaps_span ON partnership_sector_gaps (after_day, before_day);
