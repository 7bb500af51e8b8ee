-- OCDS releases: one row per release, immutable once written (0521 adds
-- the triggers). Releases Partnerhub published (source 'partnerhub':
-- every change to a published opportunity adds one) and releases imported
-- from other publishers (source 'import', kept as they came so a later
-- release for the same ocid is merged with them by the OCDS rules).
-- json is the release exactly as published; tags are its tags separated
-- by spaces.
CREATE TABLE ocds_releases (
	id {{ID}},
	ocid TEXT NOT NULL,
	release_id TEXT NOT NULL UNIQUE,
	date {{TS}} NOT NULL,
	tags TEXT NOT NULL,
	source TEXT NOT NULL CHECK (source IN ('partnerhub','import')),
	json TEXT NOT NULL,
	created_at {{TS}} NOT NULL
);
CREATE INDEX ocds_releases_ocid ON ocds_releases (ocid, date, id);
CREATE INDEX ocds_releases_date ON ocds_releases (date, id);
