package events_test

import (
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestEventFormAsksWhichRepeatedHour: on the day the clocks go back the
// form re-renders 01:30 with a 422 asking which 01:30 (the error summary
// links to the question, the input kept); the answer is kept and the
// event page says BST or GMT.
func TestEventFormAsksWhichRepeatedHour(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("organiser@example.org", false)
		org := env.Org("Night Owls", "vcs", map[string]string{"organiser@example.org": "owner"})
		as := env.As("organiser@example.org")
		form := eventForm("Clocks back walk", "networking", time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC), 5)
		if form.Get("start_time") != "01:30" {
			t.Fatalf("start %s", form.Get("start_time"))
		}
		as.PostForm("/orgs/"+org.Slug+"/events/new", form).Status(t, 422).Contains(t, "01:30 happens twice on 31 October 2027", `href="#start_zone"`, `id="start_zone"`, `value="Clocks back walk"`)
		form.Set("start_zone", "GMT")
		loc := as.PostForm("/orgs/"+org.Slug+"/events/new", form).Status(t, 303).Location()
		env.Anon().Get(loc).Status(t, 200).Contains(t, "01:30 GMT")
	})
}
