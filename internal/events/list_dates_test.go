package events_test

import (
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/web"
)

// TestEventListDatesAreUKDays: the events list's from and to dates
// (web.FormDate) are whole days in the UK: an event at 23:30 on the day is
// in it and one at 00:30 the next day (23:30 UTC) is not; a date typed
// dd/mm/yyyy is read; a date that does not exist is refused with the
// field's message.
func TestEventListDatesAreUKDays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("organiser@example.org", false)
		org := env.Org("Third Sector Strategic Partnership", "vcs", map[string]string{"organiser@example.org": "owner"})
		organiser := env.As("organiser@example.org")
		lon := web.London()
		for title, at := range map[string]time.Time{
			"Late evening club":  time.Date(2030, 7, 10, 23, 30, 0, 0, lon),
			"Early morning swim": time.Date(2030, 7, 11, 0, 30, 0, 0, lon),
		} {
			organiser.PostForm("/orgs/"+org.Slug+"/events/new", eventForm(title, "networking", at, 10)).Status(t, 303)
		}
		for _, q := range []string{"from=2030-07-10&to=2030-07-10", "from=10/07/2030&to=10/07/2030"} {
			body := env.Anon().Get("/events?format=json&"+q).Status(t, 200).Body
			if !strings.Contains(body, "Late evening club") || strings.Contains(body, "Early morning swim") {
				t.Errorf("%s: %s", q, body)
			}
		}
		body := env.Anon().Get("/events?format=json&from=2030-07-11&to=2030-07-11").Status(t, 200).Body
		if !strings.Contains(body, "Early morning swim") {
			t.Errorf("the 11th: %s", body)
		}
		// The page shows the error; an export answers it.
		env.Anon().Get("/events?from=2030-02-30").Contains(t, "Enter the from date as a real date")
		env.Anon().Get("/events?format=json&to=31/02/2030").Status(t, 422).Contains(t, "Enter the to date as a real date")
	})
}
