package events_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/events"
	"partnerhub/internal/web"
)

// eventForm is a valid event form starting days from now (London time).
func eventForm(title, typ string, start time.Time, capacity int) url.Values {
	lon := web.London()
	s := start.In(lon)
	e := s.Add(2 * time.Hour)
	return url.Values{
		"title": {title}, "type": {typ}, "summary": {"A short summary"}, "description": {"First paragraph.\n\nSecond paragraph."},
		"online": {"no"}, "venue_name": {"Winter Gardens"}, "venue_address": {"97 Church Street, Blackpool"}, "venue_postcode": {"FY1 1HL"},
		"accessibility": {"Step-free access; hearing loop"},
		"start_date":    {s.Format("2006-01-02")}, "start_time": {s.Format("15:04")},
		"end_date": {e.Format("2006-01-02")}, "end_time": {e.Format("15:04")},
		"capacity": {fmt.Sprint(capacity)}, "audience": {"everyone"}, "meeting_cap": {"2"}, "action": {"publish"},
	}
}

func TestOrganiserRunsWorkshop(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("organiser@example.org", false)
		env.User("viewer@example.org", false)
		env.User("a@example.org", false)
		env.User("b@example.org", false)
		env.User("c@example.org", false)
		env.User("outsider@example.org", false)
		org := env.Org("Third Sector Strategic Partnership", "vcs", map[string]string{"organiser@example.org": "owner", "viewer@example.org": "viewer"})
		other := env.Org("Fylde Food Bank", "vcs", map[string]string{"outsider@example.org": "owner", "b@example.org": "editor"})
		org2 := other
		_ = org2
		organiser := env.As("organiser@example.org")

		// Bad input: end before start, each with a clear message; nothing saved.
		start := time.Now().Add(10 * 24 * time.Hour).Truncate(time.Hour)
		bad := eventForm("Commissioning ready workshop", "commissioning_workshop", start, 2)
		bad.Set("end_date", start.Add(-24*time.Hour).In(web.London()).Format("2006-01-02"))
		organiser.PostForm("/orgs/"+org.Slug+"/events/new", bad).Status(t, 422).Contains(t, "The event must end after it starts")
		bad = eventForm("", "", start, -1)
		organiser.PostForm("/orgs/"+org.Slug+"/events/new", bad).Status(t, 422).Contains(t, "Enter the event title", "Select the type of event", "Enter the number of places")
		// A viewer cannot create events; another organisation's member gets 404.
		env.As("viewer@example.org").PostForm("/orgs/"+org.Slug+"/events/new", eventForm("X", "networking", start, 2)).Status(t, 403)
		env.As("outsider@example.org").Get("/orgs/"+org.Slug+"/events/new").Status(t, 404)

		res := organiser.PostForm("/orgs/"+org.Slug+"/events/new", eventForm("Commissioning ready workshop", "commissioning_workshop", start, 2)).Status(t, 303)
		slug := strings.TrimPrefix(res.Location(), "/events/")
		e, err := events.GetEvent(ctx, d.Q(), slug)
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != events.StatusPublished || e.Capacity != 2 {
			t.Fatalf("event %+v", e)
		}

		// Listing with the home page's filter.
		env.Anon().Get("/events?type=commissioning_workshop").Status(t, 200).Contains(t, "Commissioning ready workshop", `type="text/calendar"`, "Subscribe")
		env.Anon().Get("/events?type=networking").Status(t, 200).NotContains(t, "Commissioning ready workshop")
		env.Anon().Get("/events?type=bogus").Status(t, 200).Contains(t, "Select a type of event from the list")

		page := env.Anon().Get("/events/"+slug).Status(t, 200)
		page.Contains(t, `<script type="application/ld+json" nonce="`, `"@type":"Event"`, "Sign in to book a place", `type="text/calendar"`)

		// Bookings: a and b get the two places, c waits.
		env.As("a@example.org").PostForm("/events/"+slug+"/book", url.Values{"who": {"me"}}).Status(t, 303)
		env.As("b@example.org").PostForm("/events/"+slug+"/book", url.Values{"who": {"me"}, "organisation": {fmt.Sprint(other.ID)}}).Status(t, 303)
		env.As("c@example.org").PostForm("/events/"+slug+"/book", url.Values{"who": {"me"}}).Status(t, 303)
		env.As("c@example.org").Get("/events/"+slug).Status(t, 200).Contains(t, "number 1 on the waiting list")
		// Booking twice is refused clearly.
		env.As("a@example.org").PostForm("/events/"+slug+"/book", url.Values{"who": {"me"}}).Status(t, 422).Contains(t, "already has a place")
		// Booking for someone else in an organisation you do not belong to is refused.
		env.As("a@example.org").PostForm("/events/"+slug+"/book", url.Values{"who": {"colleague"}, "attendee_name": {"Z"}, "attendee_email": {"z@example.org"}, "organisation": {fmt.Sprint(other.ID)}}).Status(t, 422)

		// Capacity below booked is refused.
		f := events.FormValues(e)
		f.Set("capacity", "1")
		organiser.PostForm("/orgs/"+org.Slug+"/events/"+slug+"/edit", f).Status(t, 422).Contains(t, "cannot be less than the 2 already booked")

		// a cancels: c is promoted and emailed.
		bs, err := events.Bookings(ctx, d.Q(), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var aID int64
		for _, b := range bs {
			if b.AttendeeEmail == "a@example.org" {
				aID = b.ID
			}
		}
		env.As("c@example.org").PostForm(fmt.Sprintf("/events/%s/bookings/%d/cancel", slug, aID), nil).Status(t, 404)
		env.As("a@example.org").Get(fmt.Sprintf("/events/%s/bookings/%d/cancel", slug, aID)).Status(t, 200).Contains(t, "Are you sure")
		env.As("a@example.org").PostForm(fmt.Sprintf("/events/%s/bookings/%d/cancel", slug, aID), nil).Status(t, 303)
		found := false
		for _, m := range env.Outbox("c@example.org") {
			if strings.HasPrefix(m.Subject, "A place is now yours") {
				found = true
				// Through notify: why they got it, and no unsubscribe (they asked to wait for a place).
				if !strings.Contains(m.Body, "because of your booking for") || m.HTML == "" || m.Unsubscribe != "" {
					t.Errorf("promotion email not sent through notify as mandatory: %+v", m)
				}
			}
		}
		if !found {
			t.Fatal("promoted attendee was not emailed")
		}

		// Organiser: attendee list, formula-safe CSV, attendance, message.
		organiser.Get("/orgs/"+org.Slug+"/events/"+slug+"/attendees").Status(t, 200).Contains(t, "b@example.org", "c@example.org")
		env.As("outsider@example.org").Get("/orgs/"+org.Slug+"/events/"+slug+"/attendees").Status(t, 404)
		env.As("outsider@example.org").Get("/orgs/"+other.Slug+"/events/"+slug+"/attendees").Status(t, 404)
		// A hostile name is neutralised in the CSV.
		env.User("evil@example.org", false)
		f = events.FormValues(e)
		f.Set("capacity", "10")
		organiser.PostForm("/orgs/"+org.Slug+"/events/"+slug+"/edit", f).Status(t, 303)
		env.As("evil@example.org").PostForm("/events/"+slug+"/book", url.Values{"who": {"me"}, "access_needs": {"=HYPERLINK(\"http://x\")"}}).Status(t, 303)
		csv := organiser.GetAccept("/orgs/"+org.Slug+"/events/"+slug+"/attendees", "text/csv").Status(t, 200)
		csv.Contains(t, "Name,Email,Organisation", "'=HYPERLINK").NotContains(t, ",=HYPERLINK")

		bs, _ = events.Bookings(ctx, d.Q(), e.ID)
		att := url.Values{}
		for _, b := range bs {
			if b.AttendeeEmail == "b@example.org" {
				att.Add("attended", fmt.Sprint(b.ID))
			}
		}
		organiser.PostForm("/orgs/"+org.Slug+"/events/"+slug+"/attendance", att).Status(t, 303)
		fs, err := events.Summarise(ctx, d.Q(), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if fs.Attended != 1 || fs.Booked != 3 {
			t.Fatalf("attendance %+v", fs)
		}
		organiser.PostForm("/orgs/"+org.Slug+"/events/"+slug+"/message", url.Values{"subject": {""}, "body": {""}}).Status(t, 422).Contains(t, "Enter a subject")
		organiser.PostForm("/orgs/"+org.Slug+"/events/"+slug+"/message", url.Values{"subject": {"Parking"}, "body": {"Use the Talbot Road car park."}}).Status(t, 303)
		if ms := env.Outbox("b@example.org"); len(ms) == 0 || ms[0].Subject != "Parking" {
			t.Fatalf("message not queued: %+v", ms)
		}

		// Cancelling the event: confirmation page, then emails; booking is refused.
		organiser.Get("/orgs/"+org.Slug+"/events/"+slug+"/cancel").Status(t, 200).Contains(t, "Are you sure")
		organiser.PostForm("/orgs/"+org.Slug+"/events/"+slug+"/cancel", nil).Status(t, 303)
		env.User("late@example.org", false)
		env.As("late@example.org").PostForm("/events/"+slug+"/book", url.Values{"who": {"me"}}).Status(t, 422).Contains(t, "cancelled")
		env.Anon().Get("/calendar/events.ics").Status(t, 200).Contains(t, "STATUS:CANCELLED")
		organiser.Get("/orgs/"+org.Slug+"/events").Status(t, 200).Contains(t, "Commissioning ready workshop")
	})
}

func TestDraftsAreHidden(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("organiser@example.org", false)
		env.User("other@example.org", false)
		org := env.Org("Blackpool Advocacy", "vcs", map[string]string{"organiser@example.org": "editor"})
		f := eventForm("Networking breakfast", "networking", time.Now().Add(48*time.Hour), 30)
		f.Set("action", "draft")
		res := env.As("organiser@example.org").PostForm("/orgs/"+org.Slug+"/events/new", f).Status(t, 303)
		slug := strings.TrimPrefix(res.Location(), "/events/")
		env.Anon().Get("/events/"+slug).Status(t, 404)
		env.As("other@example.org").Get("/events/"+slug).Status(t, 404)
		env.As("other@example.org").PostForm("/events/"+slug+"/book", url.Values{"who": {"me"}}).Status(t, 404)
		env.Anon().Get("/events").Status(t, 200).NotContains(t, "Networking breakfast")
		env.As("organiser@example.org").Get("/events/"+slug).Status(t, 200).Contains(t, "Publish event")
		env.As("organiser@example.org").PostForm("/orgs/"+org.Slug+"/events/"+slug+"/publish", nil).Status(t, 303)
		env.Anon().Get("/events").Status(t, 200).Contains(t, "Networking breakfast")
	})
}
