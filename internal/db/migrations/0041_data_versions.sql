-- Data versions (issue 20): a counter per kind of data that writes add one
-- to in their own transaction (db.BumpVersion), so a cache in any process
-- sees the change (db.Version). 'network': what the network map draws
-- (partnerships, their members and themes, organisations' names and
-- sectors).
CREATE TABLE data_versions (
	name TEXT PRIMARY KEY,
	version {{BIGINT}} NOT NULL DEFAULT 0
);
INSERT INTO data_versions (name, version) VALUES ('network', 0);
