package events_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/events"
	"partnerhub/internal/web"
)

func decode(t *testing.T, body string) []ical.Event {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader([]byte(body))).Decode()
	if err != nil {
		t.Fatalf("feed does not parse: %v", err)
	}
	return cal.Events()
}

func TestFeedsRemindersFeedback(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("organiser@example.org", false)
		env.User("a@example.org", false)
		org := env.Org("Third Sector Strategic Partnership", "vcs", map[string]string{"organiser@example.org": "owner"})
		f := eventForm("Mental health themed workshop", "themed_workshop", time.Now().Add(20*time.Hour), 10)
		var mh string
		d.Q().QueryRowContext(ctx, `SELECT id FROM taxonomy_terms WHERE code = 'mental-health'`).Scan(&mh)
		f.Set("theme", mh)
		slug := strings.TrimPrefix(env.As("organiser@example.org").PostForm("/orgs/"+org.Slug+"/events/new", f).Status(t, 303).Location(), "/events/")
		env.As("a@example.org").PostForm("/events/"+slug+"/book", url.Values{"who": {"me"}}).Status(t, 303)
		e, _ := events.GetEvent(ctx, d.Q(), slug)
		if !e.NationalIndicator() {
			t.Fatal("a workshop tagged with an NI theme is a national indicator themed workshop")
		}

		// Public feeds parse, with stable UIDs and times.
		for _, path := range []string{"/calendar/events.ics", "/calendar/themes/mental-health/events.ics", "/calendar/organisers/" + org.Slug + "/events.ics"} {
			res := env.Anon().Get(path).Status(t, 200)
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
				t.Fatalf("%s content type %q", path, res.Header.Get("Content-Type"))
			}
			evs := decode(t, res.Body)
			if len(evs) != 1 {
				t.Fatalf("%s: %d events", path, len(evs))
			}
			if uid, _ := evs[0].Props.Text(ical.PropUID); uid != e.UUID+"@partnerhub" {
				t.Fatalf("UID %q", uid)
			}
			if st, err := evs[0].DateTimeStart(nil); err != nil || !st.Equal(e.StartsAt) {
				t.Fatalf("start %v %v, want %v", st, err, e.StartsAt)
			}
		}
		if evs := decode(t, env.Anon().Get("/calendar/themes/carers/events.ics").Status(t, 200).Body); len(evs) != 0 {
			t.Fatalf("theme feed leaks other themes: %d", len(evs))
		}
		env.Anon().Get("/calendar/themes/nope/events.ics").Status(t, 404)

		// Personal feed behind a secret token that can be reset.
		a := env.As("a@example.org")
		page := a.PostForm("/calendar/personal", nil).Status(t, 200).Body
		m := regexp.MustCompile(`/calendar/personal/([A-Za-z0-9_-]+)/events\.ics`).FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no feed URL shown")
		}
		feed := "/calendar/personal/" + m[1] + "/events.ics"
		if evs := decode(t, env.Anon().Get(feed).Status(t, 200).Body); len(evs) != 1 {
			t.Fatalf("personal feed has %d events", len(evs))
		}
		a.PostForm("/calendar/personal", nil).Status(t, 200)
		env.Anon().Get(feed).Status(t, 404)
		env.Anon().Get("/calendar/personal/not-a-token/events.ics").Status(t, 404)

		// Reminders: two processes at once send each reminder exactly once.
		var wg sync.WaitGroup
		sent := make([]int, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := events.SendReminders(ctx, d, time.Now(), "http://x")
				if err != nil {
					t.Error(err)
				}
				sent[i] = n
			}()
		}
		wg.Wait()
		if n, _ := events.SendReminders(ctx, d, time.Now(), "http://x"); sent[0]+sent[1] != 1 || n != 0 {
			t.Fatalf("reminders sent %v then %d, want exactly one", sent, n)
		}
		count := 0
		for _, msg := range env.Outbox("a@example.org") {
			if strings.HasPrefix(msg.Subject, "Reminder:") {
				count++
			}
		}
		if count != 1 {
			t.Fatalf("%d reminder emails", count)
		}

		// After the event: follow-up with a feedback link, once.
		after := e.EndsAt.Add(time.Hour)
		if n, err := events.SendFollowUps(ctx, d, after, "http://x"); err != nil || n != 1 {
			t.Fatalf("follow-ups %d %v", n, err)
		}
		if n, _ := events.SendFollowUps(ctx, d, after, "http://x"); n != 0 {
			t.Fatalf("follow-up sent twice")
		}
		var link string
		for _, msg := range env.Outbox("a@example.org") {
			if strings.HasPrefix(msg.Subject, "How was") {
				link = regexp.MustCompile(`http://x(/events/\S+/feedback/\S+)`).FindStringSubmatch(msg.Body)[1]
			}
		}
		env.Anon().Get(link).Status(t, 200).Contains(t, "How was the event?")
		env.Anon().PostForm(link, url.Values{"rating": {"9"}}).Status(t, 422).Contains(t, "Select a rating from 1 to 5")
		env.Anon().PostForm(link, url.Values{"rating": {"4"}, "comments": {"Met two new partners"}}).Status(t, 200).Contains(t, "Thank you")
		env.Anon().PostForm(link, url.Values{"rating": {"1"}}).Status(t, 200)
		env.Anon().Get(strings.Replace(link, "feedback/", "feedback/x", 1)).Status(t, 404)
		env.As("organiser@example.org").Get("/orgs/"+org.Slug+"/events/"+slug+"/feedback").Status(t, 200).Contains(t, "4.0 out of 5", "Met two new partners")
		fs, _ := events.Summarise(ctx, d.Q(), e.ID)
		if fs.Count != 1 {
			t.Fatalf("feedback counted %d times", fs.Count)
		}

		// Partnerships recorded as introduced at the event are counted.
		now := time.Now().UTC()
		if _, err := d.W().ExecContext(ctx, `INSERT INTO partnerships (uuid, slug, name, model, status, origin, origin_event_id, created_at, updated_at)
			VALUES ('p-1', 'p-1', 'Recovery network', 'informal_network', 'active', 'event', $1, $2, $2)`, e.ID, now); err != nil {
			t.Fatal(err)
		}
		env.Anon().Get("/events/"+slug).Status(t, 200).Contains(t, "1 partnership recorded as introduced at this event")
		var st struct { // the one list envelope: a row per type of event
			ByType []events.TypeStat `json:"items"`
		}
		env.Anon().GetAccept("/events/stats", "application/json").Status(t, 200).JSON(t, &st)
		found := false
		for _, s := range st.ByType {
			if s.Type == "themed_workshop" && (s.Partnerships != 1 || s.Events != 1) {
				t.Fatalf("stats %+v", s)
			}
			found = found || s.Type == "themed_workshop"
		}
		if !found {
			t.Fatalf("no themed workshops in %+v", st.ByType)
		}
		env.Anon().Get("/events/stats").Status(t, 200).Contains(t, "Themed workshop", "Partnerships sparked")
	})
}

func TestTradeFair(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		for _, u := range []string{"organiser@example.org", "buyer@example.org", "vcs@example.org", "se@example.org", "viewer@example.org"} {
			env.User(u, false)
		}
		org := env.Org("Third Sector Strategic Partnership", "vcs", map[string]string{"organiser@example.org": "owner"})
		nhs := env.Org("NHS Blackpool", "public", map[string]string{"buyer@example.org": "editor"})
		vcs := env.Org("Fylde Youth Trust", "vcs", map[string]string{"vcs@example.org": "owner", "viewer@example.org": "viewer"})
		se := env.Org("Promenade Kitchen", "social_enterprise", map[string]string{"se@example.org": "owner"})
		start := time.Now().Add(5 * 24 * time.Hour).Truncate(24 * time.Hour).Add(10 * time.Hour)
		f := eventForm("Third sector trade fair", "trade_fair", start, 100)
		slug := strings.TrimPrefix(env.As("organiser@example.org").PostForm("/orgs/"+org.Slug+"/events/new", f).Status(t, 303).Location(), "/events/")
		e, _ := events.GetEvent(ctx, d.Q(), slug)
		base := "/orgs/" + org.Slug + "/events/" + slug + "/stands"
		organiser := env.As("organiser@example.org")

		// Stands: organiser defines them, organisations apply, organiser allocates.
		organiser.PostForm(base, url.Values{"stands": {"A1 Corner stand\nA2 By the stage"}}).Status(t, 303)
		organiser.PostForm(base, url.Values{"stands": {"A1 again"}}).Status(t, 422).Contains(t, "stand A1 already exists")
		env.As("vcs@example.org").PostForm("/events/"+slug+"/stands/apply", url.Values{"organisation": {fmt.Sprint(vcs.ID)}, "offer": {"Youth work and mentoring"}}).Status(t, 303)
		env.As("vcs@example.org").PostForm("/events/"+slug+"/stands/apply", url.Values{"organisation": {fmt.Sprint(vcs.ID)}, "offer": {"Again"}}).Status(t, 422).Contains(t, "already applied")
		env.As("viewer@example.org").PostForm("/events/"+slug+"/stands/apply", url.Values{"organisation": {fmt.Sprint(vcs.ID)}, "offer": {"x"}}).Status(t, 422)
		env.As("se@example.org").PostForm("/events/"+slug+"/stands/apply", url.Values{"organisation": {fmt.Sprint(se.ID)}, "offer": {"Catering"}}).Status(t, 303)
		apps, _ := events.Applications(ctx, d.Q(), e.ID)
		stands, _ := events.Stands(ctx, d.Q(), e.ID)
		if len(apps) != 2 || len(stands) != 2 {
			t.Fatalf("apps %d stands %d", len(apps), len(stands))
		}
		organiser.PostForm(base+"/allocate", url.Values{"application": {fmt.Sprint(apps[0].ID)}, "stand": {fmt.Sprint(stands[0].ID)}}).Status(t, 303)
		organiser.PostForm(base+"/allocate", url.Values{"application": {fmt.Sprint(apps[1].ID)}, "stand": {fmt.Sprint(stands[0].ID)}}).Status(t, 422).Contains(t, "already allocated to Fylde Youth Trust")
		env.As("vcs@example.org").Get("/orgs/"+org.Slug+"/events/"+slug+"/stands").Status(t, 404)
		if ms := env.Outbox("vcs@example.org"); len(ms) == 0 || !strings.Contains(ms[0].Subject, "Stand A1") {
			t.Fatalf("allocation email missing: %+v", ms)
		}
		env.Anon().Get("/events/"+slug).Status(t, 200).Contains(t, "Stand A1: Fylde Youth Trust")

		// Meet the buyer: only commissioners publish; overlapping slots refused.
		day := start.In(web.London()).Format("2006-01-02")
		slots := url.Values{"buyer_org": {fmt.Sprint(nhs.ID)}, "topic": {"Mental health prevention"}, "date": {day}, "start": {start.In(web.London()).Format("15:04")}, "count": {"3"}, "minutes": {"20"}}
		env.As("vcs@example.org").PostForm("/events/"+slug+"/meetings", slots).Status(t, 403)
		env.As("buyer@example.org").PostForm("/events/"+slug+"/meetings", slots).Status(t, 303)
		env.As("buyer@example.org").PostForm("/events/"+slug+"/meetings", slots).Status(t, 422).Contains(t, "overlaps your slot")
		ss, _ := events.Slots(ctx, d.Q(), e.ID)
		if len(ss) != 3 {
			t.Fatalf("%d slots", len(ss))
		}
		book := func(who string, org int64, slot int64) *apptest.Response {
			return env.As(who).PostForm(fmt.Sprintf("/events/%s/meetings/%d/book", slug, slot), url.Values{"organisation": {fmt.Sprint(org)}})
		}
		book("vcs@example.org", vcs.ID, ss[0].ID).Status(t, 303)
		book("se@example.org", se.ID, ss[0].ID).Status(t, 422).Contains(t, "Someone else has just booked this slot")
		book("vcs@example.org", vcs.ID, ss[1].ID).Status(t, 303)
		book("vcs@example.org", vcs.ID, ss[2].ID).Status(t, 422).Contains(t, "most allowed") // cap is 2
		book("se@example.org", nhs.ID, ss[2].ID).Status(t, 422)                              // not an editor of NHS
		book("se@example.org", se.ID, ss[2].ID).Status(t, 303)
		// Both sides get the schedule by email and in their calendar.
		found := false
		for _, m := range env.Outbox("buyer@example.org") {
			if strings.HasPrefix(m.Subject, "Your meetings at") && strings.Contains(m.Body, "Promenade Kitchen") && strings.Contains(m.Body, "Fylde Youth Trust") {
				found = true
			}
		}
		if !found {
			t.Fatal("buyer schedule email missing")
		}
		for _, who := range []string{"buyer@example.org", "vcs@example.org"} {
			page := env.As(who).PostForm("/calendar/personal", nil).Status(t, 200).Body
			m := regexp.MustCompile(`/calendar/personal/([A-Za-z0-9_-]+)/events\.ics`).FindStringSubmatch(page)
			evs := decode(t, env.Anon().Get(m[0]).Status(t, 200).Body)
			want := 2
			if who == "buyer@example.org" {
				want = 3
			}
			if len(evs) != want {
				t.Fatalf("%s calendar has %d meetings, want %d", who, len(evs), want)
			}
		}
		// Cancelling asks first (a link to a confirmation page, not a
		// one-click button), then frees the slot; an unrelated user cannot.
		cancelPath := fmt.Sprintf("/events/%s/meetings/%d/cancel", slug, ss[0].ID)
		env.As("vcs@example.org").Get("/events/"+slug+"/meetings").Status(t, 200).Contains(t, `<a href="`+cancelPath+`">Cancel`).NotContains(t, `<form method="post" action="`+cancelPath)
		env.As("se@example.org").Get(cancelPath).Status(t, 404)
		env.As("vcs@example.org").Get(cancelPath).Status(t, 200).Contains(t, "Are you sure you want to cancel this meeting?", "Fylde Youth Trust", "Yes, cancel the meeting")
		env.As("se@example.org").PostForm(fmt.Sprintf("/events/%s/meetings/%d/cancel", slug, ss[0].ID), nil).Status(t, 404)
		env.As("vcs@example.org").PostForm(fmt.Sprintf("/events/%s/meetings/%d/cancel", slug, ss[0].ID), nil).Status(t, 303)
		book("vcs@example.org", vcs.ID, ss[0].ID).Status(t, 303)
		env.As("vcs@example.org").Get("/events/"+slug+"/meetings").Status(t, 200).Contains(t, "Mental health prevention")
		env.Anon().Get("/trade-fair").Status(t, 303)
	})
}
