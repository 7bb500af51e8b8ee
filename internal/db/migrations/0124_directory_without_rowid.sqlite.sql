-- SQLite: the directory's link tables become WITHOUT ROWID tables keyed by
-- their primary key, so a row is one b-tree entry instead of a rowid row
-- plus a primary-key index entry (a new organisation adds about six of
-- them: the bulk import's largest cost after the search documents).
-- Same columns, keys, indexes and foreign keys; no view or trigger reads
-- these tables.
CREATE TABLE org_terms_new (
	organisation_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	term_id INTEGER NOT NULL REFERENCES taxonomy_terms (id),
	PRIMARY KEY (organisation_id, term_id)
) WITHOUT ROWID;
INSERT INTO org_terms_new (organisation_id, term_id) SELECT organisation_id, term_id FROM org_terms;
DROP TABLE org_terms;
ALTER TABLE org_terms_new RENAME TO org_terms;
CREATE INDEX org_terms_term ON org_terms (term_id, organisation_id);

CREATE TABLE org_areas_new (
	organisation_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('ward','la')),
	code TEXT NOT NULL,
	PRIMARY KEY (organisation_id, kind, code)
) WITHOUT ROWID;
INSERT INTO org_areas_new (organisation_id, kind, code) SELECT organisation_id, kind, code FROM org_areas;
DROP TABLE org_areas;
ALTER TABLE org_areas_new RENAME TO org_areas;
CREATE INDEX org_areas_code ON org_areas (kind, code, organisation_id);

CREATE TABLE org_identifiers_new (
	identifier TEXT PRIMARY KEY,
	organisation_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	scheme TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO org_identifiers_new (identifier, organisation_id, scheme) SELECT identifier, organisation_id, scheme FROM org_identifiers;
DROP TABLE org_identifiers;
ALTER TABLE org_identifiers_new RENAME TO org_identifiers;
CREATE INDEX org_identifiers_org ON org_identifiers (organisation_id);
