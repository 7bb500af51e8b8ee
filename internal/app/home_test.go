package app_test

import (
	"net/url"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/events"
)

// TestHomeSaysWhatNeedsDoing: sign-in lands on /home; a person with an
// open invitation and a booking for a coming event sees both there (the
// booking line comes from the events feature through accounts' Todos
// hook); a person with nothing waiting sees the empty state.
func TestHomeSaysWhatNeedsDoing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		busy := env.User("busy@x.org", false)
		env.User("idle@x.org", false)
		env.User("owner@x.org", false)
		org := env.Org("Fylde Food Bank", "vcs", map[string]string{"owner@x.org": "owner"})

		res := env.Anon().PostForm("/signin", url.Values{"email": {"idle@x.org"}, "password": {apptest.Password}})
		if loc := res.Status(t, 303).Location(); loc != "/home" {
			t.Fatalf("sign-in went to %q, want /home", loc)
		}
		res = env.Anon().PostForm("/signin", url.Values{"email": {"idle@x.org"}, "password": {apptest.Password}, "next": {"/events"}})
		if loc := res.Status(t, 303).Location(); loc != "/events" {
			t.Fatalf("sign-in with next went to %q, want /events", loc)
		}
		env.As("idle@x.org").Get("/home").Status(t, 200).Contains(t, "Nothing needs doing", `href="/events"`).
			NotContains(t, "Invitations to join", "Event bookings coming up")
		env.Anon().Get("/home").Status(t, 303)

		err := d.Write(env.Ctx, func(tx *db.Tx) error {
			if _, _, err := accounts.CreateInvitation(env.Ctx, tx, org.ID, "busy@x.org", "editor", 0); err != nil {
				return err
			}
			start := time.Now().Add(10 * 24 * time.Hour)
			in := events.Input{Title: "Commissioning ready workshop", Type: events.TypeCommissioning, VenueName: "Solaris Centre",
				VenueAddress: "New South Promenade, Blackpool", StartDate: start.Format("2006-01-02"), StartTime: "10:00",
				EndDate: start.Format("2006-01-02"), EndTime: "13:00", Capacity: "20", Audience: events.AudienceEveryone}
			e, err := in.Validate(0)
			if err != nil {
				return err
			}
			if err := events.CreateEvent(env.Ctx, tx, org.ID, 0, e, events.StatusPublished); err != nil {
				return err
			}
			_, err = events.Book(env.Ctx, tx, e.ID, events.BookRequest{UserID: busy.ID, Name: busy.Name, Email: busy.Email}, time.Now(), "http://partnerhub.test")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		env.As("busy@x.org").Get("/home").Status(t, 200).
			Contains(t, "Invitations to join an organisation", "Event bookings coming up", `href="/events/mine"`, "<strong>1</strong>").
			NotContains(t, "Nothing needs doing")
		// Other people's invitations and bookings are not theirs to do.
		env.As("idle@x.org").Get("/home").Status(t, 200).Contains(t, "Nothing needs doing")

		// A policy past its review date is the organisation's editors' to do
		// (from the directory); one due next year is not yet.
		if _, err := d.W().ExecContext(env.Ctx, `INSERT INTO org_policies (organisation_id, kind, review_date) VALUES ($1, 'safeguarding', $2), ($1, 'complaints', $3)`,
			org.ID, time.Now().AddDate(0, 0, -3), time.Now().AddDate(1, 0, 0)); err != nil {
			t.Fatal(err)
		}
		env.As("owner@x.org").Get("/home").Status(t, 200).
			Contains(t, "Policies due for review at Fylde Food Bank", `href="/orgs/`+org.Slug+`/profile#policies"`, "<strong>1</strong>").
			NotContains(t, "Nothing needs doing", "Event bookings coming up")
		env.As("busy@x.org").Get("/home").Status(t, 200).NotContains(t, "Policies due for review")

		// Administrators also see declarations waiting to be verified.
		env.User("admin@x.org", true)
		env.As("admin@x.org").Get("/home").Status(t, 200).Contains(t, "Nothing needs doing")
		if _, err := d.W().ExecContext(env.Ctx, `INSERT INTO outcome_other_systems (organisation_id, system, evidence, declared_at) VALUES ($1, 'Outcomes Star', 'We use it', $2)`,
			org.ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		env.As("admin@x.org").Get("/home").Status(t, 200).Contains(t, "Outcomes-system declarations to verify", `href="/admin/outcomes/systems"`)
		env.As("owner@x.org").Get("/home").Status(t, 200).NotContains(t, "declarations to verify")
	})
}
