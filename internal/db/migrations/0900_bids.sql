-- Bids for commissioning opportunities (issue 15): a single organisation's
-- or a consortium's bid for an opportunity or one of its lots.
-- lot_key is the lot id or 0 (the whole opportunity); bidder_key is
-- 'p<partnership id>' for a consortium bid and 'o<organisation id>' for a
-- single organisation's, so one bidder has at most one live (not withdrawn)
-- bid per lot. created_partnership is TRUE when the consortium record was
-- created from this bid (its origin is "bid for an opportunity").
-- gap_reason is the lead's reason for submitting with mandatory
-- requirements not covered. Money is whole pence.
CREATE TABLE bids (
	id {{ID}},
	uuid TEXT NOT NULL UNIQUE,
	opportunity_id {{BIGINT}} NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
	lot_id {{BIGINT}} REFERENCES opportunity_lots (id) ON DELETE CASCADE,
	lot_key {{BIGINT}} NOT NULL DEFAULT 0,
	lead_org_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	partnership_id {{BIGINT}} REFERENCES partnerships (id) ON DELETE SET NULL,
	bidder_key TEXT NOT NULL,
	created_partnership BOOLEAN NOT NULL DEFAULT FALSE,
	status TEXT NOT NULL DEFAULT 'drafting' CHECK (status IN ('drafting','submitted','won','lost','withdrawn')),
	title TEXT NOT NULL,
	gap_reason TEXT NOT NULL DEFAULT '',
	submitted_at {{TS}},
	decided_at {{TS}},
	withdrawn_at {{TS}},
	value_awarded_pence {{BIGINT}} CHECK (value_awarded_pence IS NULL OR value_awarded_pence >= 0),
	feedback TEXT NOT NULL DEFAULT '',
	created_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL
);
CREATE UNIQUE INDEX bids_one_live ON bids (opportunity_id, lot_key, bidder_key) WHERE status <> 'withdrawn';
CREATE INDEX bids_lead ON bids (lead_org_id, created_at);
CREATE INDEX bids_partnership ON bids (partnership_id, submitted_at);
CREATE INDEX bids_submitted ON bids (submitted_at);

-- The organisations in a bid, with role, share of the work and of the
-- value (whole percent; each adds up to 100 over the bid) and sign-off by
-- the organisation's owner.
CREATE TABLE bid_members (
	id {{ID}},
	bid_id {{BIGINT}} NOT NULL REFERENCES bids (id) ON DELETE CASCADE,
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('lead','member','subcontractor')),
	work_share INTEGER NOT NULL DEFAULT 0 CHECK (work_share BETWEEN 0 AND 100),
	value_share INTEGER NOT NULL DEFAULT 0 CHECK (value_share BETWEEN 0 AND 100),
	signoff TEXT NOT NULL DEFAULT 'invited' CHECK (signoff IN ('invited','accepted','declined')),
	signoff_reason TEXT NOT NULL DEFAULT '',
	signoff_at {{TS}},
	signoff_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	invited_at {{TS}} NOT NULL,
	UNIQUE (bid_id, organisation_id)
);
CREATE INDEX bid_members_org ON bid_members (organisation_id, bid_id);

-- The bid / no-bid checklist: capacity, risk, cash_flow, tupe, insurance.
CREATE TABLE bid_checklist (
	bid_id {{BIGINT}} NOT NULL REFERENCES bids (id) ON DELETE CASCADE,
	item TEXT NOT NULL CHECK (item IN ('capacity','risk','cash_flow','tupe','insurance')),
	owner TEXT NOT NULL DEFAULT '',
	note TEXT NOT NULL DEFAULT '',
	done BOOLEAN NOT NULL DEFAULT FALSE,
	PRIMARY KEY (bid_id, item)
);

-- The buyer's scores of a decided bid (feedback), per criterion.
CREATE TABLE bid_scores (
	id {{ID}},
	bid_id {{BIGINT}} NOT NULL REFERENCES bids (id) ON DELETE CASCADE,
	criterion TEXT NOT NULL,
	score INTEGER NOT NULL CHECK (score >= 0),
	max_score INTEGER NOT NULL CHECK (max_score > 0 AND score <= max_score)
);
CREATE INDEX bid_scores_bid ON bid_scores (bid_id);

-- The delivery record of a won bid: the contract a partnership (or a
-- single organisation) delivers, its value and period. Members' shares are
-- those of the bid's members.
CREATE TABLE bid_contracts (
	bid_id {{BIGINT}} PRIMARY KEY REFERENCES bids (id) ON DELETE CASCADE,
	partnership_id {{BIGINT}} REFERENCES partnerships (id) ON DELETE SET NULL,
	value_pence {{BIGINT}},
	start_date {{DATE}},
	end_date {{DATE}}
);
CREATE INDEX bid_contracts_p ON bid_contracts (partnership_id);

-- Awards of an opportunity (or lot), recorded by the buyer or imported
-- from OCDS (ocds_id is the award's id in the release).
CREATE TABLE bid_awards (
	id {{ID}},
	opportunity_id {{BIGINT}} NOT NULL REFERENCES opportunities (id) ON DELETE CASCADE,
	lot_id {{BIGINT}} REFERENCES opportunity_lots (id) ON DELETE SET NULL,
	value_pence {{BIGINT}} CHECK (value_pence IS NULL OR value_pence >= 0),
	award_date {{DATE}} NOT NULL,
	source TEXT NOT NULL DEFAULT 'buyer' CHECK (source IN ('buyer','ocds')),
	ocds_id TEXT NOT NULL DEFAULT '',
	created_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL
);
CREATE INDEX bid_awards_opp ON bid_awards (opportunity_id);

-- Each supplier an award names: a directory organisation when known,
-- its name and org-id identifier as given, and the bid it was matched to.
-- match: identifier (org-id of the organisation), directory (chosen by the
-- buyer from the directory), name (proposed by normalised name; confidence
-- 0-1, an admin confirms or rejects), none.
-- state: matched, proposed, rejected, unmatched.
CREATE TABLE bid_award_suppliers (
	id {{ID}},
	award_id {{BIGINT}} NOT NULL REFERENCES bid_awards (id) ON DELETE CASCADE,
	organisation_id {{BIGINT}} REFERENCES organisations (id) ON DELETE SET NULL,
	name TEXT NOT NULL,
	identifier TEXT NOT NULL DEFAULT '',
	bid_id {{BIGINT}} REFERENCES bids (id) ON DELETE SET NULL,
	match TEXT NOT NULL DEFAULT 'none' CHECK (match IN ('identifier','directory','name','none')),
	confidence REAL NOT NULL DEFAULT 0,
	state TEXT NOT NULL DEFAULT 'unmatched' CHECK (state IN ('matched','proposed','rejected','unmatched'))
);
CREATE INDEX bid_award_suppliers_award ON bid_award_suppliers (award_id);
CREATE INDEX bid_award_suppliers_state ON bid_award_suppliers (state);
