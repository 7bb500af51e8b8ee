-- "Looking for partners": an organisation posts what it is looking for
-- (needs as taxonomy terms: services, themes, client groups; areas as ward
-- names; by when; for which opportunity), other organisations respond with
-- an expression of interest, and the poster can form a partnership from
-- the responses (partnerships.origin = 'looking_for_partners',
-- partnerships.origin_post_id = partner_posts.id).
-- status: open (takes responses until closes_on, inclusive; a post past
-- its closing date counts as closed at query time even before the job has
-- marked it), closed, formed (a partnership was formed from it).
CREATE TABLE partner_posts (
	id {{ID}},
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	opportunity TEXT NOT NULL DEFAULT '',
	opportunity_url TEXT NOT NULL DEFAULT '',
	needed_by {{DATE}},
	closes_on {{DATE}} NOT NULL,
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed','formed')),
	partnership_id {{BIGINT}} REFERENCES partnerships (id) ON DELETE SET NULL,
	created_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	closed_at {{TS}},
	close_notified_at {{TS}}
);
CREATE INDEX partner_posts_open ON partner_posts (status, closes_on);
CREATE INDEX partner_posts_org ON partner_posts (organisation_id, created_at);

CREATE TABLE partner_post_terms (
	post_id {{BIGINT}} NOT NULL REFERENCES partner_posts (id) ON DELETE CASCADE,
	term_id {{BIGINT}} NOT NULL REFERENCES taxonomy_terms (id),
	PRIMARY KEY (post_id, term_id)
);
CREATE INDEX partner_post_terms_term ON partner_post_terms (term_id, post_id);

CREATE TABLE partner_post_areas (
	post_id {{BIGINT}} NOT NULL REFERENCES partner_posts (id) ON DELETE CASCADE,
	area TEXT NOT NULL,
	PRIMARY KEY (post_id, area)
);
CREATE INDEX partner_post_areas_area ON partner_post_areas (area, post_id);

-- Expressions of interest: one per organisation per post. status: active,
-- withdrawn (by the responder), accepted (joined the partnership formed
-- from the post).
CREATE TABLE partner_post_responses (
	id {{ID}},
	post_id {{BIGINT}} NOT NULL REFERENCES partner_posts (id) ON DELETE CASCADE,
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	user_id {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	message TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','withdrawn','accepted')),
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	UNIQUE (post_id, organisation_id)
);
CREATE INDEX partner_post_responses_org ON partner_post_responses (organisation_id);

-- Organisations told about a post by email when it was published.
CREATE TABLE partner_post_notices (
	post_id {{BIGINT}} NOT NULL REFERENCES partner_posts (id) ON DELETE CASCADE,
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	score REAL NOT NULL DEFAULT 0,
	sent_at {{TS}} NOT NULL,
	PRIMARY KEY (post_id, organisation_id)
);

-- An organisation's choice about partner-request emails (no row = yes).
CREATE TABLE partner_request_prefs (
	organisation_id {{BIGINT}} PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
	notify_partner_requests BOOLEAN NOT NULL DEFAULT TRUE,
	updated_at {{TS}} NOT NULL
);
