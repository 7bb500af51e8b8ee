-- An organisation's shortlist of possible partners: its editors add
-- organisations from the partner finder or a directory profile, with an
-- optional note; its members see the list (internal/directory/shortlist.go).
CREATE TABLE org_shortlist (
	id {{ID}},
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	candidate_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	note TEXT NOT NULL DEFAULT '',
	added_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	UNIQUE (organisation_id, candidate_id)
);
CREATE INDEX org_shortlist_candidate ON org_shortlist (candidate_id);
