package app_test

// The matrix's personal objects: a booking, a meet-the-buyer meeting slot
// and an API token, which belong to people more than to organisations, so a platform
// admin holds no role of their own on them (web.Object.Personal).

import (
	"strconv"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/events"
)

// personalHolders are, for each personal object kind, the actors who may
// act on the matrix's object of that kind; everyone else signed in gets
// 404 (personal objects are private too).
var personalHolders = map[string]map[string]bool{
	// A-viewer booked a place for themselves: nobody else, not even an
	// admin or A's owner, may cancel it.
	"booking": {"A-viewer": true},
	// The commissioner offered the slot and A booked it: the buyer, A's
	// editors and owners, and admins (who act in every organisation).
	"meeting-slot": {"commissioner": true, "A-owner": true, "A-editor": true, "admin": true},
	// A-owner's API token: only A-owner may revoke it.
	"api-token": {"A-owner": true},
	// A library document A-owner owns: its owner and admins manage it.
	"library_document": {"A-owner": true, "admin": true},
}

// personalFixtures makes a trade fair organised by Beta with a booking
// A-viewer made for themselves and a meeting slot offered by the
// commissioner and booked by A, and an API token of A-owner.
func personalFixtures(t *testing.T, env *apptest.Env, orgA *accounts.Organisation) []pathValue {
	t.Helper()
	start := time.Now().UTC().AddDate(0, 1, 0).Truncate(time.Hour)
	e := &events.Event{Title: "Matrix Trade Fair", Type: events.TypeTradeFair, VenueName: "Winter Gardens", StartsAt: start,
		EndsAt: start.Add(4 * time.Hour), Audience: events.AudienceEveryone}
	var bookingID, slotID int64
	var token *accounts.APIToken
	err := env.DB.Write(env.Ctx, func(tx *db.Tx) error {
		var err error
		if _, token, err = accounts.CreateAPIToken(env.Ctx, tx, userID(t, env, "owner-a@authz.test"), "Matrix"); err != nil {
			return err
		}
		var beta, public int64
		if err := tx.QueryRowContext(env.Ctx, `SELECT id FROM organisations WHERE name = 'Beta Befriending'`).Scan(&beta); err != nil {
			return err
		}
		if err := tx.QueryRowContext(env.Ctx, `SELECT id FROM organisations WHERE name = 'Blackpool Public Health'`).Scan(&public); err != nil {
			return err
		}
		if err := events.CreateEvent(env.Ctx, tx, beta, 0, e, events.StatusPublished); err != nil {
			return err
		}
		now := db.Now()
		if err := tx.QueryRowContext(env.Ctx, `INSERT INTO event_bookings (event_id, user_id, organisation_id, attendee_name, attendee_email, status, created_at, confirmed_at)
			VALUES ($1, $2, $3, 'Vic Viewer', 'viewer-a@authz.test', 'confirmed', $4, $4) RETURNING id`,
			e.ID, userID(t, env, "viewer-a@authz.test"), orgA.ID, now).Scan(&bookingID); err != nil {
			return err
		}
		return tx.QueryRowContext(env.Ctx, `INSERT INTO event_meeting_slots (uuid, event_id, buyer_org_id, buyer_user_id, topic, starts_at, ends_at, booked_org_id, booked_at, created_at)
			VALUES ('matrix-slot', $1, $2, $3, 'Social value', $4, $5, $6, $7, $7) RETURNING id`,
			e.ID, public, userID(t, env, "commissioner@authz.test"), start, start.Add(20*time.Minute), orgA.ID, now).Scan(&slotID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return []pathValue{
		{"/events/{event}/bookings/{booking}/cancel", "{event}", e.Slug},
		{"/events/{event}/bookings/{booking}/cancel", "{booking}", strconv.FormatInt(bookingID, 10)},
		{"/events/{event}/meetings/{slot}/cancel", "{event}", e.Slug},
		{"/events/{event}/meetings/{slot}/cancel", "{slot}", strconv.FormatInt(slotID, 10)},
		{"/account/tokens/{id}/revoke", "{id}", strconv.FormatInt(token.ID, 10)},
	}
}
