-- The library (issue 18): versioned documents with an owner, a verifier,
-- a status and a review date; the Compact's signatures and disputes log;
-- standard policy templates adopted by organisations; news and its digest.
CREATE TABLE library_documents (
	id {{ID}},
	slug TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL CHECK (kind IN ('guide','policy','code','template','guidance')),
	title TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	-- for a template: the policy it is (an org_policies kind, or another such as 'volunteers')
	policy_kind TEXT NOT NULL DEFAULT '',
	owner_id {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	verifier_id {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	status TEXT NOT NULL CHECK (status IN ('draft','consultation','adopted','withdrawn')),
	review_months INTEGER NOT NULL DEFAULT 12 CHECK (review_months BETWEEN 1 AND 120),
	next_review_on {{DATE}},
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX library_documents_kind ON library_documents (kind, title);

-- Versions are never changed once saved; adopted_on is empty for a draft.
CREATE TABLE library_versions (
	id {{ID}},
	document_id {{BIGINT}} NOT NULL REFERENCES library_documents (id) ON DELETE CASCADE,
	version INTEGER NOT NULL,
	body TEXT NOT NULL,
	notes TEXT NOT NULL DEFAULT '',
	adopted_on {{DATE}},
	created_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	UNIQUE (document_id, version)
);

CREATE TABLE library_attachments (
	id {{ID}},
	document_id {{BIGINT}} NOT NULL REFERENCES library_documents (id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	filename TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size {{BIGINT}} NOT NULL,
	stored_name TEXT NOT NULL UNIQUE,
	uploaded_by {{BIGINT}},
	uploaded_at {{TS}} NOT NULL
);
CREATE INDEX library_attachments_doc ON library_attachments (document_id);

-- Consultation comments: seen by the document's owner and administrators;
-- the owner records how each was handled.
CREATE TABLE library_comments (
	id {{ID}},
	document_id {{BIGINT}} NOT NULL REFERENCES library_documents (id) ON DELETE CASCADE,
	version INTEGER NOT NULL,
	user_id {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	body TEXT NOT NULL,
	created_at {{TS}} NOT NULL,
	outcome TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('','accepted','partly','not_accepted','noted')),
	response TEXT NOT NULL DEFAULT '',
	handled_at {{TS}}
);
CREATE INDEX library_comments_doc ON library_comments (document_id, created_at);

-- Signatures of the Compact (the library document of kind 'code'): one per
-- organisation and version; a new version is re-confirmed by a new row.
CREATE TABLE compact_signatures (
	id {{ID}},
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	version INTEGER NOT NULL,
	signed_on {{DATE}} NOT NULL,
	signed_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	signatory TEXT NOT NULL DEFAULT '',
	created_at {{TS}} NOT NULL,
	UNIQUE (organisation_id, version)
);

CREATE TABLE compact_disputes (
	id {{ID}},
	raised_by {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	against {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	commitments TEXT NOT NULL,
	subject TEXT NOT NULL,
	about TEXT NOT NULL DEFAULT '',
	stage TEXT NOT NULL CHECK (stage IN ('raised','informal','mediation','resolved','closed')),
	raised_on {{DATE}} NOT NULL,
	stage_since {{DATE}} NOT NULL,
	resolved_on {{DATE}},
	informal BOOLEAN NOT NULL DEFAULT FALSE,
	created_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	CHECK (raised_by <> against)
);
CREATE INDEX compact_disputes_raised ON compact_disputes (raised_on);

CREATE TABLE compact_dispute_steps (
	id {{ID}},
	dispute_id {{BIGINT}} NOT NULL REFERENCES compact_disputes (id) ON DELETE CASCADE,
	stage TEXT NOT NULL,
	on_date {{DATE}} NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	user_id {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL
);
CREATE INDEX compact_dispute_steps_d ON compact_dispute_steps (dispute_id, id);

-- Library settings (key/value), e.g. dispute_stage_days.
CREATE TABLE library_settings (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- A template adopted into an organisation's policy record.
CREATE TABLE library_adoptions (
	id {{ID}},
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	document_id {{BIGINT}} NOT NULL REFERENCES library_documents (id) ON DELETE CASCADE,
	version INTEGER NOT NULL,
	adopted_on {{DATE}} NOT NULL,
	next_review_on {{DATE}} NOT NULL,
	adopted_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	UNIQUE (organisation_id, document_id)
);
CREATE INDEX library_adoptions_doc ON library_adoptions (document_id);

CREATE TABLE news_articles (
	id {{ID}},
	slug TEXT NOT NULL UNIQUE,
	title TEXT NOT NULL,
	summary TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL,
	category TEXT NOT NULL CHECK (category IN ('consortia','commissioning','events','funding','general')),
	image_name TEXT NOT NULL DEFAULT '',
	image_type TEXT NOT NULL DEFAULT '',
	image_alt TEXT NOT NULL DEFAULT '',
	partnership_id {{BIGINT}} REFERENCES partnerships (id) ON DELETE SET NULL,
	event_id {{BIGINT}} REFERENCES events (id) ON DELETE SET NULL,
	opportunity_id {{BIGINT}},
	published_at {{TS}} NOT NULL,
	author_id {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	updated_at {{TS}} NOT NULL
);
CREATE INDEX news_articles_pub ON news_articles (published_at);
CREATE INDEX news_articles_cat ON news_articles (category, published_at);
CREATE INDEX news_articles_p ON news_articles (partnership_id);

-- Digest subscribers: confirmed_at is set by the link in the confirmation
-- email (double opt-in); the digest's unsubscribe is notify's one-click link.
CREATE TABLE news_subscribers (
	id {{ID}},
	email TEXT NOT NULL UNIQUE,
	confirm_hash TEXT NOT NULL UNIQUE,
	confirmed_at {{TS}},
	created_at {{TS}} NOT NULL
);
