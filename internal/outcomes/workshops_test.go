package outcomes_test

import (
	"context"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/outcomes"
)

// TestWorkshopEffect: the admin's ladder page lists each outcome-based
// workshop with the third-sector organisations that attended (once each,
// attendance recorded), their step on the day and now, and how many moved
// up; other kinds of event and unattended bookings do not count.
func TestWorkshopEffect(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		bi := bankIndicator(t, d, "sum")
		host := org(t, env, "Third Sector Network", "vcs")
		mover := org(t, env, "Moving Up Club", "vcs")
		stayer := org(t, env, "Staying Put Group", "vcs")
		council := org(t, env, "Town Council", "public")
		absent := org(t, env, "Booked But Absent", "vcs")
		other := org(t, env, "Networking Only", "vcs")
		now := db.Now()
		event := func(title, typ string, at time.Time) int64 {
			var id int64
			if err := d.W().QueryRowContext(ctx, `INSERT INTO events (uuid, slug, organiser_id, title, type, starts_at, ends_at, capacity, status, created_at, updated_at)
				VALUES ($1, $1, $2, $3, $4, $5, $6, 30, 'finished', $5, $5) RETURNING id`, title, host.ID, title, typ, at, at.Add(2*time.Hour)).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		book := func(ev, orgID int64, email string, attended bool) {
			if _, err := d.W().ExecContext(ctx, `INSERT INTO event_bookings (event_id, organisation_id, attendee_name, attendee_email, status, attended, created_at)
				VALUES ($1, $2, 'A person', $3, 'confirmed', $4, $5)`, ev, orgID, email, attended, now); err != nil {
				t.Fatal(err)
			}
		}
		ws := event("Planning with outcomes", "outcome_workshop", now.AddDate(0, -2, 0))
		book(ws, mover.ID, "a@x.test", true)
		book(ws, mover.ID, "b@x.test", true) // two people, one organisation
		book(ws, stayer.ID, "c@x.test", true)
		book(ws, council.ID, "d@x.test", true)
		book(ws, absent.ID, "e@x.test", false)
		net := event("Meet the funders", "networking", now.AddDate(0, -2, 0))
		book(net, other.ID, "f@x.test", true)
		adoptingPlan(t, d, mover.ID, bi, false, nil) // a plan made after the workshop
		adoptingPlan(t, d, other.ID, bi, false, nil)

		list, err := outcomes.Workshops(ctx, d.Q(), now.AddDate(-2, 0, 0), now.Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Title != "Planning with outcomes" || len(list[0].Attendees) != 2 || list[0].MovedUp != 1 {
			t.Fatalf("workshops = %+v", list)
		}
		if a := list[0].Attendees[0]; a.OrgID != mover.ID || a.Before != 0 || a.After != 1 {
			t.Errorf("first attendee = %+v, want the mover from step 0 to 1", a)
		}
		env.User("admin@example.org", true)
		env.As("admin@example.org").Get("/admin/outcomes/ladder").Status(t, 200).
			Contains(t, "Each outcome-based workshop", "Planning with outcomes", `<td class="num">2</td><td class="num">1</td><td class="num">50%</td>`, "Moving Up Club", "Staying Put Group").
			NotContains(t, "Meet the funders")
	})
}
