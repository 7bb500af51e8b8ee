-- Invitations to join a partnership: the lead's editors invite an
-- organisation (from a partner-finder result, a profile or their
-- shortlist) with a role and a message; the invited organisation's editors
-- accept, which adds the membership (partnerships.InsertMember), or
-- decline (internal/partnerships/invitations.go). One open invitation per
-- partnership and organisation.
CREATE TABLE partnership_invitations (
	id {{ID}},
	partnership_id {{BIGINT}} NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	role TEXT NOT NULL,
	message TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','accepted','declined')),
	invited_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	decided_at {{TS}},
	decided_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX partnership_invitations_open ON partnership_invitations (partnership_id, organisation_id) WHERE status = 'pending';
CREATE INDEX partnership_invitations_org ON partnership_invitations (organisation_id, status);
