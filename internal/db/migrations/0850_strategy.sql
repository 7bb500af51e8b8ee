-- The strategy as data: one strategy per town (strategy_info, a single
-- row), its aims in order, each aim's specific aims and activities
-- (strategy_items), outcomes bound to live measures (measure keys of the
-- strategy's measures, space-separated, with the direction that is good
-- and an optional target) and milestones with their status and evidence
-- (one link per line: "label | /path-or-https-url").
CREATE TABLE strategy_info (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	title TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	starts_on {{DATE}} NOT NULL,
	ends_on {{DATE}} NOT NULL,
	updated_at {{TS}} NOT NULL
);

CREATE TABLE strategy_aims (
	id {{ID}},
	position INTEGER NOT NULL,
	key TEXT NOT NULL UNIQUE,
	title TEXT NOT NULL,
	aim TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT ''
);

CREATE TABLE strategy_items (
	id {{ID}},
	aim_id {{BIGINT}} NOT NULL REFERENCES strategy_aims (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('specific_aim','activity')),
	position INTEGER NOT NULL,
	text TEXT NOT NULL
);
CREATE INDEX strategy_items_aim ON strategy_items (aim_id, kind, position);

CREATE TABLE strategy_outcomes (
	id {{ID}},
	aim_id {{BIGINT}} NOT NULL REFERENCES strategy_aims (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	title TEXT NOT NULL,
	measures TEXT NOT NULL DEFAULT '',
	direction TEXT NOT NULL DEFAULT 'up' CHECK (direction IN ('up','down')),
	target DOUBLE PRECISION,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX strategy_outcomes_aim ON strategy_outcomes (aim_id, position);

CREATE TABLE strategy_milestones (
	id {{ID}},
	aim_id {{BIGINT}} REFERENCES strategy_aims (id) ON DELETE SET NULL,
	due_on {{DATE}} NOT NULL,
	title TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('planned','on_track','at_risk','done','missed')),
	evidence TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	updated_at {{TS}} NOT NULL
);
CREATE INDEX strategy_milestones_due ON strategy_milestones (due_on);

-- State of the Sector reports: a published year's figures are frozen as
-- one JSON document with the SHA-256 of its figures; the year is the key,
-- so a year is published once. Commentary per chapter is written by
-- admins before publishing and frozen into the document.
CREATE TABLE sector_reports (
	year INTEGER PRIMARY KEY,
	document TEXT NOT NULL,
	hash TEXT NOT NULL,
	published_at {{TS}} NOT NULL,
	published_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL
);

CREATE TABLE sector_report_commentary (
	year INTEGER NOT NULL,
	chapter TEXT NOT NULL,
	body TEXT NOT NULL,
	updated_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	updated_at {{TS}} NOT NULL,
	PRIMARY KEY (year, chapter)
);
