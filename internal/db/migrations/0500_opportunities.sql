-- Commissioning opportunities: tenders (contracts), grant programmes,
-- service-design consultations / preliminary market engagement and
-- pipeline notices, published by a public-sector buyer in the directory.
-- Money is whole pence (GBP unless currency says otherwise). Times are UTC;
-- contract dates and the expected award are dates.
-- closes_at is the submission deadline, or the expression-of-interest
-- deadline when there is none: the "closing date" lists sort and filter on.
-- It is kept by the store whenever either deadline changes.
-- ocid is the OCDS contracting process id (prefix + local id for our own
-- notices, the publisher's for imported ones); source_url names the
-- published notice an imported opportunity came from.
CREATE TABLE opportunities (
	id {{ID}},
	uuid TEXT NOT NULL UNIQUE,
	slug TEXT NOT NULL UNIQUE,
	ocid TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL CHECK (kind IN ('tender','grant','consultation','pipeline')),
	status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned','open','closed','awarded','cancelled')),
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	buyer_org_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	contact_name TEXT NOT NULL DEFAULT '',
	contact_email TEXT NOT NULL DEFAULT '',
	value_min_pence {{BIGINT}},
	value_max_pence {{BIGINT}},
	currency TEXT NOT NULL DEFAULT 'GBP',
	contract_start {{DATE}},
	contract_end {{DATE}},
	published_at {{TS}},
	questions_close_at {{TS}},
	eoi_deadline {{TS}},
	submission_deadline {{TS}},
	closes_at {{TS}},
	award_expected {{DATE}},
	procedure TEXT NOT NULL DEFAULT '' CHECK (procedure IN ('','open','restricted','competitive_flexible','direct_award','open_call')),
	cpv_codes TEXT NOT NULL DEFAULT '',
	suitable_sme BOOLEAN NOT NULL DEFAULT FALSE,
	suitable_vcse BOOLEAN NOT NULL DEFAULT FALSE,
	reserved_vcse BOOLEAN NOT NULL DEFAULT FALSE,
	commissioning_ready_required BOOLEAN NOT NULL DEFAULT FALSE,
	source_url TEXT NOT NULL DEFAULT '',
	search_text TEXT NOT NULL DEFAULT '',
	created_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	CHECK (value_min_pence IS NULL OR value_min_pence >= 0),
	CHECK (value_min_pence IS NULL OR value_max_pence IS NULL OR value_min_pence <= value_max_pence)
);
CREATE INDEX opportunities_closes ON opportunities (status, closes_at);
CREATE INDEX opportunities_published ON opportunities (published_at);
CREATE INDEX opportunities_buyer ON opportunities (buyer_org_id, closes_at);
CREATE INDEX opportunities_updated ON opportunities (updated_at);

-- Lots: parts of an opportunity bid for separately, in position order.
CREATE TABLE opportunity_lots (
	id {{ID}},
	opportunity_id {{BIGINT}} NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	title TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	value_pence {{BIGINT}} CHECK (value_pence IS NULL OR value_pence >= 0),
	UNIQUE (opportunity_id, position)
);

-- Requirements of the opportunity (lot_id NULL) or of one lot. code is a
-- shared taxonomy code for service, client_group and theme; a ward name;
-- a local authority code (BPL); a policy kind of org_policies
-- (safeguarding ...); a quality mark's name; 'commissioning_ready' for
-- readiness. mandatory FALSE means desirable. Taxonomy requirements also
-- hold term_id (codes never change; the foreign key lets the taxonomy
-- admin count where a term is used).
CREATE TABLE opportunity_requirements (
	id {{ID}},
	opportunity_id {{BIGINT}} NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
	lot_id {{BIGINT}} REFERENCES opportunity_lots (id) ON DELETE CASCADE,
	kind TEXT NOT NULL CHECK (kind IN ('service','client_group','theme','ward','local_authority','policy','quality_mark','readiness')),
	code TEXT NOT NULL,
	term_id {{BIGINT}} REFERENCES taxonomy_terms (id),
	mandatory BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX opportunity_requirements_opp ON opportunity_requirements (opportunity_id);
CREATE INDEX opportunity_requirements_code ON opportunity_requirements (kind, code, opportunity_id);
CREATE INDEX opportunity_requirements_term ON opportunity_requirements (term_id);

-- Changes to a published opportunity, listed on its page with their dates.
-- Immutable once written.
CREATE TABLE opportunity_amendments (
	id {{ID}},
	opportunity_id {{BIGINT}} NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
	at {{TS}} NOT NULL,
	summary TEXT NOT NULL,
	by_user_id {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX opportunity_amendments_opp ON opportunity_amendments (opportunity_id, at);

-- Tender documents, stored through internal/uploads under the data
-- directory's uploads folder as stored_name.
CREATE TABLE opportunity_documents (
	id {{ID}},
	opportunity_id {{BIGINT}} NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	filename TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size {{BIGINT}} NOT NULL,
	stored_name TEXT NOT NULL UNIQUE,
	uploaded_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	uploaded_at {{TS}} NOT NULL
);
CREATE INDEX opportunity_documents_opp ON opportunity_documents (opportunity_id);

-- Expressions of interest: one per organisation per opportunity.
-- partner_post_id is the looking-for-partners post made from it, if any.
CREATE TABLE opportunity_interests (
	id {{ID}},
	opportunity_id {{BIGINT}} NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	user_id {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	looking_for_partners BOOLEAN NOT NULL DEFAULT FALSE,
	note TEXT NOT NULL DEFAULT '',
	partner_post_id {{BIGINT}} REFERENCES partner_posts (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	UNIQUE (opportunity_id, organisation_id)
);
CREATE INDEX opportunity_interests_org ON opportunity_interests (organisation_id, created_at);
