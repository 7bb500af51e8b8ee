-- Events: networking, themed and outcome-based workshops, commissioning
-- workshops, trade fairs, conferences. Times are stored in UTC; pages and
-- forms use Europe/London. The organiser is an organisation.
-- booked counts confirmed places and is only changed in the transaction
-- that holds the event row (FOR UPDATE on PostgreSQL, the single writer on
-- SQLite), so capacity is never exceeded.
CREATE TABLE events (
	id {{ID}},
	uuid TEXT NOT NULL UNIQUE,
	slug TEXT NOT NULL UNIQUE,
	organiser_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	type TEXT NOT NULL CHECK (type IN ('networking','themed_workshop','outcome_workshop','commissioning_workshop','trade_fair','conference','other')),
	summary TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	online BOOLEAN NOT NULL DEFAULT FALSE,
	online_url TEXT NOT NULL DEFAULT '',
	venue_name TEXT NOT NULL DEFAULT '',
	venue_address TEXT NOT NULL DEFAULT '',
	venue_postcode TEXT NOT NULL DEFAULT '',
	accessibility TEXT NOT NULL DEFAULT '',
	starts_at {{TS}} NOT NULL,
	ends_at {{TS}} NOT NULL,
	capacity INTEGER NOT NULL CHECK (capacity >= 0),
	booked INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0),
	booking_deadline {{TS}},
	audience TEXT NOT NULL DEFAULT 'everyone' CHECK (audience IN ('everyone','members','public_sector','commissioners')),
	status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','published','cancelled','finished')),
	meeting_cap INTEGER NOT NULL DEFAULT 3 CHECK (meeting_cap >= 0),
	sequence INTEGER NOT NULL DEFAULT 0,
	import_ref TEXT,
	created_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	updated_at {{TS}} NOT NULL,
	CHECK (ends_at > starts_at)
);
CREATE INDEX events_starts ON events (status, starts_at);
CREATE INDEX events_organiser ON events (organiser_id, starts_at);
CREATE INDEX events_type ON events (type, starts_at);
CREATE UNIQUE INDEX events_import_ref ON events (import_ref);

CREATE TABLE event_themes (
	event_id {{BIGINT}} NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	term_id {{BIGINT}} NOT NULL REFERENCES taxonomy_terms (id),
	PRIMARY KEY (event_id, term_id)
);
CREATE INDEX event_themes_term ON event_themes (term_id);

-- One place per booking. user_id is who booked; organisation_id is the
-- organisation the attendee comes on behalf of. Waiting bookings are
-- promoted oldest first (created_at, id). reminder_sent_at and
-- followup_sent_at are claimed once, inside the transaction that queues
-- the email, so a reminder is never sent twice.
CREATE TABLE event_bookings (
	id {{ID}},
	event_id {{BIGINT}} NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	user_id {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	organisation_id {{BIGINT}} REFERENCES organisations (id) ON DELETE SET NULL,
	attendee_name TEXT NOT NULL,
	attendee_email TEXT NOT NULL,
	access_needs TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('confirmed','waiting','cancelled')),
	attended BOOLEAN,
	created_at {{TS}} NOT NULL,
	confirmed_at {{TS}},
	cancelled_at {{TS}},
	reminder_sent_at {{TS}},
	followup_sent_at {{TS}},
	feedback_token_hash TEXT UNIQUE
);
CREATE INDEX event_bookings_event ON event_bookings (event_id, status, created_at);
CREATE INDEX event_bookings_user ON event_bookings (user_id);
CREATE UNIQUE INDEX event_bookings_active ON event_bookings (event_id, attendee_email) WHERE status <> 'cancelled';

CREATE TABLE event_feedback (
	id {{ID}},
	event_id {{BIGINT}} NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	booking_id {{BIGINT}} NOT NULL UNIQUE REFERENCES event_bookings (id) ON DELETE CASCADE,
	rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
	comments TEXT NOT NULL DEFAULT '',
	created_at {{TS}} NOT NULL
);
CREATE INDEX event_feedback_event ON event_feedback (event_id);

-- Personal calendar feeds: the URL carries a secret token; only its hash
-- is stored. Resetting replaces the row.
CREATE TABLE event_calendar_tokens (
	user_id {{BIGINT}} PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	token_hash TEXT NOT NULL UNIQUE,
	created_at {{TS}} NOT NULL
);

-- Trade fair: stands defined by the organiser, applications from
-- organisations, allocation of one stand per application.
CREATE TABLE event_stands (
	id {{ID}},
	event_id {{BIGINT}} NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	code TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	UNIQUE (event_id, code)
);

CREATE TABLE event_stand_applications (
	id {{ID}},
	event_id {{BIGINT}} NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	organisation_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	offer TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('applied','allocated','declined','withdrawn')),
	stand_id {{BIGINT}} REFERENCES event_stands (id) ON DELETE SET NULL,
	applied_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	created_at {{TS}} NOT NULL,
	decided_at {{TS}},
	UNIQUE (event_id, organisation_id)
);
CREATE UNIQUE INDEX event_stand_applications_stand ON event_stand_applications (stand_id);

-- Meet-the-buyer: a commissioner publishes one-to-one slots; an
-- organisation books a slot. A slot holds at most one booking (the
-- conditional UPDATE claims it); overlaps and the per-organisation cap are
-- checked while holding the event row.
CREATE TABLE event_meeting_slots (
	id {{ID}},
	uuid TEXT NOT NULL UNIQUE,
	event_id {{BIGINT}} NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	buyer_org_id {{BIGINT}} NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
	buyer_user_id {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	topic TEXT NOT NULL DEFAULT '',
	starts_at {{TS}} NOT NULL,
	ends_at {{TS}} NOT NULL,
	booked_org_id {{BIGINT}} REFERENCES organisations (id) ON DELETE SET NULL,
	booked_by {{BIGINT}} REFERENCES users (id) ON DELETE SET NULL,
	booked_at {{TS}},
	created_at {{TS}} NOT NULL,
	CHECK (ends_at > starts_at)
);
CREATE INDEX event_meeting_slots_event ON event_meeting_slots (event_id, starts_at);
CREATE INDEX event_meeting_slots_booked ON event_meeting_slots (booked_org_id);
CREATE INDEX event_meeting_slots_buyer ON event_meeting_slots (buyer_user_id);
