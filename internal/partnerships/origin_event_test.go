package partnerships_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/web"
)

// TestIntroducedAtAnEvent: the partnership form asks which event a
// partnership was introduced at (events that were held, not drafts); the
// partnership links to it, the event page counts it, and changing the
// origin away from "event" forgets the event.
func TestIntroducedAtAnEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("lead@x.org", false)
		lead := env.Org("Fylde Food Bank", "vcs", map[string]string{"lead@x.org": "owner"})
		as := env.As("lead@x.org")
		event := func(title, action string) string {
			s := time.Now().AddDate(0, 0, -20).In(web.London())
			form := url.Values{"title": {title}, "type": {"networking"}, "online": {"yes"}, "audience": {"everyone"}, "capacity": {"0"}, "meeting_cap": {"0"},
				"start_date": {s.Format("2006-01-02")}, "start_time": {"10:00"}, "end_date": {s.Format("2006-01-02")}, "end_time": {"12:00"}, "action": {action}}
			return strings.TrimPrefix(as.PostForm("/orgs/"+lead.Slug+"/events/new", form).Status(t, 303).Location(), "/events/")
		}
		held := event("Spring networking breakfast", "publish")
		event("Idea for a draft", "draft")
		var eventID string
		if err := d.Q().QueryRowContext(context.Background(), `SELECT id FROM events WHERE slug = $1`, held).Scan(&eventID); err != nil {
			t.Fatal(err)
		}

		as.Get("/partnerships/new").Status(t, 200).Contains(t, `<select class="ph-select" id="origin_event"`, `<option value="`+eventID+`">Spring networking breakfast (`).NotContains(t, "Idea for a draft")
		form := url.Values{"name": {"Breakfast Friends"}, "model": {"informal_network"}, "status": {"active"}, "visibility": {"public"},
			"origin": {"event"}, "origin_event": {"999999"}, "start_date": {"2026-01-01"}, "lead": {itoa(lead.ID)}}
		as.PostForm("/partnerships", form).Status(t, 422).Contains(t, "Select the event from the list", `aria-describedby="origin_event-hint origin_event-error"`)
		form.Set("origin_event", eventID)
		loc := as.PostForm("/partnerships", form).Status(t, 303).Location()
		env.Anon().Get(loc).Status(t, 200).Contains(t, `Introduced at an event: <a href="/events/`+held+`">Spring networking breakfast</a>`)
		env.Anon().Get("/events/"+held).Status(t, 200).Contains(t, "1 partnership recorded as introduced at this event")
		as.Get(loc+"/edit").Status(t, 200).Contains(t, `<option value="`+eventID+`" selected>`)

		// Another origin forgets the event.
		form.Set("origin", "other")
		as.PostForm(loc+"/edit", form).Status(t, 303)
		env.Anon().Get("/events/"+held).Status(t, 200).Contains(t, "0 partnerships recorded as introduced at this event")
		env.Anon().Get(loc).Status(t, 200).NotContains(t, "Spring networking breakfast")

		// A failing read of the event is an error, not a link silently left out.
		form.Set("origin", "event")
		as.PostForm(loc+"/edit", form).Status(t, 303)
		env.Anon().Get(loc).Status(t, 200).Contains(t, "Spring networking breakfast")
		if _, err := d.W().ExecContext(context.Background(), `ALTER TABLE events RENAME TO events_unreadable`); err != nil {
			t.Fatal(err)
		}
		env.Anon().Get(loc).Status(t, 500).NotContains(t, "events_unreadable")
	})
}
