-- The measures read day histograms of the read model (how many rows first
-- or last count on each day) and sum them in Go, so that a series of years
-- costs one index scan per table whatever the number of years. These
-- indexes give the last days in order; the partial index finds the
-- partnerships whose third-sector and public (private) members never
-- overlapped in time (first_day after last_day).
CREATE INDEX partnership_org_cover_last ON partnership_org_cover (last_day);
CREATE INDEX partnership_counted_model_end ON partnership_counted (model, end_day);
CREATE INDEX partnership_sector_pairs_last ON partnership_sector_pairs (pair, last_day);
CREATE INDEX partnership_sector_pairs_apart ON partnership_sector_pairs (pair, last_day, first_day) WHERE first_day > last_day;
