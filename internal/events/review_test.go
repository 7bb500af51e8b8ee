package events_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// Line breaks in names and titles (typed through a crafted request, or
// stored before names were made one line) must not inject properties into
// the public calendar feed, nor make bookings fail on the email subject.
func TestLineBreaksInNamesAndTitles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("organiser@example.org", false)
		env.User("a@example.org", false)
		env.User("b@example.org", false)
		org := env.Org("Evil Org", "vcs", map[string]string{"organiser@example.org": "owner"})
		// An organisation name stored with line breaks (older data).
		if _, err := d.W().ExecContext(env.Ctx, `UPDATE organisations SET name = $1 WHERE id = $2`, "Evil Org\r\nBEGIN:VALARM\nX-INJ:1\"", org.ID); err != nil {
			t.Fatal(err)
		}
		// ORGANIZER is written only with a published contact address.
		if _, err := d.W().ExecContext(env.Ctx, `INSERT INTO org_contacts (organisation_id, name, role, email, phone, publish_name, publish_email, publish_phone, consent_at, created_at)
			VALUES ($1, 'Events team', '', 'events@evil.example', '', TRUE, TRUE, FALSE, $2, $2)`, org.ID, db.Now()); err != nil {
			t.Fatal(err)
		}
		start := time.Now().Add(10 * 24 * time.Hour).Truncate(time.Hour)
		res := env.As("organiser@example.org").PostForm("/orgs/"+org.Slug+"/events/new", eventForm("Bad\r\nTitle\nX-TITLE-INJ:1", "networking", start, 5)).Status(t, 303)
		slug := strings.TrimPrefix(res.Location(), "/events/")
		var title string
		if err := d.Q().QueryRowContext(env.Ctx, `SELECT title FROM events WHERE slug = $1`, slug).Scan(&title); err != nil || title != "Bad Title X-TITLE-INJ:1" {
			t.Fatalf("title %q %v", title, err)
		}
		ics := env.Anon().Get("/calendar/events.ics").Status(t, 200).Contains(t, `ORGANIZER;CN="Evil Org BEGIN:VALARM X-INJ:1'":mailto:events@evil.example`)
		for _, line := range strings.Split(ics.Body, "\r\n") {
			if line == "BEGIN:VALARM" || strings.HasPrefix(line, "X-INJ") || strings.HasPrefix(line, "X-TITLE-INJ") {
				t.Fatalf("injected calendar line %q", line)
			}
		}
		env.Anon().Get("/calendar/organisers/"+org.Slug+"/events.ics").Status(t, 200).NotContains(t, "\r\nBEGIN:VALARM", "\nX-INJ")

		// A title stored with a line break (older data): booking still works
		// and the confirmation's subject is one line.
		if _, err := d.W().ExecContext(env.Ctx, `UPDATE events SET title = $1 WHERE slug = $2`, "Bad\nTitle", slug); err != nil {
			t.Fatal(err)
		}
		env.As("a@example.org").PostForm("/events/"+slug+"/book", url.Values{"who": {"me"}}).Status(t, 303)
		msgs := env.Outbox("a@example.org")
		if len(msgs) == 0 {
			t.Fatal("no confirmation email")
		}
		for _, m := range msgs {
			if strings.ContainsAny(m.Subject, "\r\n") {
				t.Fatalf("subject %q", m.Subject)
			}
		}
		// The organiser's message to attendees with a line break in its subject.
		env.As("organiser@example.org").PostForm("/orgs/"+org.Slug+"/events/"+slug+"/message", url.Values{"subject": {"Parking\nBcc: x@example.org"}, "body": {"Use the back gate."}}).Status(t, 303)
		for _, m := range env.Outbox("a@example.org") {
			if strings.ContainsAny(m.Subject, "\r\n") {
				t.Fatalf("subject %q", m.Subject)
			}
		}
	})
}
