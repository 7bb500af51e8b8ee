-- Markers shown on an organisation's profile and usable as directory
-- filters while current, written by the feature that awards them
-- (e.g. assessments: commissioning_ready). Expired rows stop counting.
CREATE TABLE org_badges (
	id {{ID}},
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	label TEXT NOT NULL,
	awarded_on {{DATE}} NOT NULL,
	valid_until {{DATE}},
	source_type TEXT NOT NULL DEFAULT '',
	source_id {{BIGINT}},
	revoked_at {{TS}}
);
CREATE INDEX org_badges_org ON org_badges (organisation_id, kind);
CREATE INDEX org_badges_kind ON org_badges (kind, valid_until);
