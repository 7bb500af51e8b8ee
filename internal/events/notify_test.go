package events_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/events"
	"partnerhub/internal/mail"
)

// lastOf is the newest message to whom whose subject starts with prefix.
func lastOf(t *testing.T, env *apptest.Env, to, prefix string) *mail.Outgoing {
	t.Helper()
	for _, m := range env.Outbox(to) {
		if strings.HasPrefix(m.Subject, prefix) {
			return &m
		}
	}
	return nil
}

// Organiser messages, reminders, follow-ups and cancellation notices are
// notifications: each says why it was sent, carries a one-click
// unsubscribe, and is not sent again once the attendee turned that kind off.
func TestEventNoticesSayWhyAndCanBeTurnedOff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("organiser@example.org", false)
		env.User("a@example.org", false)
		org := env.Org("Third Sector Strategic Partnership", "vcs", map[string]string{"organiser@example.org": "owner"})
		slug := strings.TrimPrefix(env.As("organiser@example.org").PostForm("/orgs/"+org.Slug+"/events/new",
			eventForm("Funding surgery", "themed_workshop", time.Now().Add(20*time.Hour), 10)).Status(t, 303).Location(), "/events/")
		env.As("a@example.org").PostForm("/events/"+slug+"/book", url.Values{"who": {"me"}}).Status(t, 303)
		e, err := events.GetEvent(ctx, d.Q(), slug)
		if err != nil {
			t.Fatal(err)
		}
		message := func() {
			t.Helper()
			if err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := events.MessageAttendees(ctx, tx, e.ID, "Parking", "Park at the back.", false, "http://partnerhub.test")
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		message()
		if _, err := events.SendReminders(ctx, d, time.Now(), "http://partnerhub.test"); err != nil {
			t.Fatal(err)
		}
		for _, prefix := range []string{"Parking", "Reminder:"} {
			m := lastOf(t, env, "a@example.org", prefix)
			if m == nil || !strings.HasPrefix(m.Unsubscribe, "http://partnerhub.test/unsubscribe/") || !strings.Contains(m.Body, m.Unsubscribe) ||
				!strings.Contains(m.Body, "You get this email because you booked for Funding surgery, run by Third Sector Strategic Partnership.") ||
				!strings.Contains(m.HTML, "Stop these emails") {
				t.Fatalf("%s: %+v", prefix, m)
			}
		}
		// One click on the organiser message's link stops organiser messages only.
		path := strings.TrimPrefix(lastOf(t, env, "a@example.org", "Parking").Unsubscribe, "http://partnerhub.test")
		env.Anon().PostForm(path, url.Values{"List-Unsubscribe": {"One-Click"}}).Status(t, 200)
		before := len(env.Outbox("a@example.org"))
		message()
		if n := len(env.Outbox("a@example.org")); n != before {
			t.Fatalf("an organiser message went to someone who turned them off (%d -> %d)", before, n)
		}

		// Follow-up after the event; cancellation of another event.
		if _, err := events.SendFollowUps(ctx, d, e.EndsAt.Add(time.Hour), "http://partnerhub.test"); err != nil {
			t.Fatal(err)
		}
		slug2 := strings.TrimPrefix(env.As("organiser@example.org").PostForm("/orgs/"+org.Slug+"/events/new",
			eventForm("Bid writing", "themed_workshop", time.Now().Add(72*time.Hour), 10)).Status(t, 303).Location(), "/events/")
		env.As("a@example.org").PostForm("/events/"+slug2+"/book", url.Values{"who": {"me"}}).Status(t, 303)
		e2, _ := events.GetEvent(ctx, d.Q(), slug2)
		if err := d.Write(ctx, func(tx *db.Tx) error {
			return events.SetStatus(ctx, tx, e2.ID, events.StatusCancelled, "http://partnerhub.test")
		}); err != nil {
			t.Fatal(err)
		}
		for _, prefix := range []string{"How was", "Cancelled:"} {
			m := lastOf(t, env, "a@example.org", prefix)
			if m == nil || m.Unsubscribe == "" || !strings.Contains(m.Body, "You get this email because you booked for") {
				t.Fatalf("%s: %+v", prefix, m)
			}
		}
	})
}
