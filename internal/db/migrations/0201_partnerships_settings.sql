-- Settings of the partnerships feature (key/value), e.g. year_start_month:
-- 1 for calendar years (the default), 4 for years starting in April.
CREATE TABLE partnership_settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- Services a partnership delivers together (taxonomy service terms) and the
-- areas (wards) it covers. Themes are in partnership_terms (0200).
CREATE TABLE partnership_services (
	partnership_id {{BIGINT}} NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
	term_id {{BIGINT}} NOT NULL REFERENCES taxonomy_terms (id),
	PRIMARY KEY (partnership_id, term_id)
);
CREATE TABLE partnership_areas (
	partnership_id {{BIGINT}} NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
	area TEXT NOT NULL,
	PRIMARY KEY (partnership_id, area)
);
CREATE INDEX partnerships_model ON partnerships (model, start_date);
