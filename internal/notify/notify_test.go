package notify_test

import (
	"bytes"
	netmail "net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/mail"
	"partnerhub/internal/notify"
)

func TestOrgEditorsAreToldOnceAndCanUnsubscribeInOneClick(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := env.Ctx
		for _, e := range []string{"owner@x.org", "editor@x.org", "viewer@x.org"} {
			env.User(e, false)
		}
		org := env.Org("Fylde Trust", "vcs", map[string]string{"owner@x.org": "owner", "editor@x.org": "editor", "viewer@x.org": "viewer"})
		other := env.Org("Other Trust", "vcs", map[string]string{"owner@x.org": "owner"})

		who, err := notify.OrgEditors(ctx, d.Q(), org.ID)
		if err != nil || len(who[org.ID]) != 2 || who[org.ID][0].Email != "editor@x.org" || who[org.ID][1].Email != "owner@x.org" {
			t.Fatalf("who to tell: %+v %v", who, err)
		}
		tell := func(orgID int64, key string) int {
			t.Helper()
			var n int
			err := d.Write(ctx, func(tx *db.Tx) error {
				var err error
				n, err = notify.TellOrgEditors(ctx, tx, "http://partnerhub.test", orgID, notify.Notice{Kind: "partner_request", Key: key,
					Subject: "Looking for partners", Text: "Hello,\n\nRead it at http://partnerhub.test/looking-for-partners/1\n", Why: "You are an owner or editor."})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := tell(org.ID, "post-1"); n != 2 {
			t.Fatalf("told %d, want 2", n)
		}
		if n := tell(org.ID, "post-1"); n != 0 {
			t.Fatalf("told %d again about the same post", n)
		}
		msgs := env.Outbox("owner@x.org")
		if len(msgs) != 1 {
			t.Fatalf("owner has %d messages", len(msgs))
		}
		m := msgs[0]
		if !strings.HasPrefix(m.Unsubscribe, "http://partnerhub.test/unsubscribe/") || !strings.Contains(m.Body, m.Unsubscribe) ||
			!strings.Contains(m.HTML, `<a href="http://partnerhub.test/looking-for-partners/1">`) || !strings.Contains(m.HTML, "Stop these emails") {
			t.Fatalf("message %+v", m)
		}
		raw, err := netmail.ReadMessage(bytes.NewReader(mail.Compose("p@x.org", m, time.Now())))
		if err != nil || raw.Header.Get("List-Unsubscribe") != "<"+m.Unsubscribe+">" || raw.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Fatalf("unsubscribe headers: %v %v", raw, err)
		}

		// The link works without signing in; a mail program's one-click POST too.
		path := strings.TrimPrefix(m.Unsubscribe, "http://partnerhub.test")
		env.Anon().Get(path).Status(t, 200).Contains(t, "Stop sending “looking for partners” requests emails about Fylde Trust to owner@x.org?")
		env.Anon().PostForm(path, url.Values{"List-Unsubscribe": {"One-Click"}}).Status(t, 200).Contains(t, "You will not get these emails")
		env.Anon().Get("/unsubscribe/not-a-token").Status(t, 404)

		// The owner is no longer told about this organisation; the editor is,
		// and the owner still is about the other one.
		if n := tell(org.ID, "post-2"); n != 1 || len(env.Outbox("owner@x.org")) != 1 || len(env.Outbox("editor@x.org")) != 2 {
			t.Fatalf("after unsubscribing: told %d", n)
		}
		if n := tell(other.ID, "post-2"); n != 1 {
			t.Fatalf("the other organisation's notice: told %d", n)
		}
	})
}

// TestMandatoryKindsIgnorePreferencesAndHaveNoUnsubscribe: a booking
// confirmation answers what the person asked for, so it reaches them after
// they turned every notice off, with the why-you-got-this line and no
// unsubscribe link or header; an optional kind stays off.
func TestMandatoryKindsIgnorePreferencesAndHaveNoUnsubscribe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := env.Ctx
		send := func(kind string) bool {
			t.Helper()
			var ok bool
			err := d.Write(ctx, func(tx *db.Tx) error {
				if err := notify.TurnOff(ctx, tx, "booker@x.org", "all", 0); err != nil {
					return err
				}
				var err error
				ok, err = notify.Send(ctx, tx, "http://partnerhub.test", notify.Notice{To: "Booker@x.org", Kind: kind, Subject: "Booking confirmed: Fun run",
					Text: "Hello,\n\nYou have a place.\n", Why: "You get this email because of your booking for Fun run."})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if send("event_reminder") {
			t.Fatal("an optional notice was sent to someone who turned everything off")
		}
		if !notify.Mandatory("event_booking") || notify.Mandatory("event_reminder") {
			t.Fatal("booking confirmations must be mandatory, reminders optional")
		}
		if !send("event_booking") {
			t.Fatal("a booking confirmation was not sent")
		}
		msgs := env.Outbox("booker@x.org")
		if len(msgs) != 1 {
			t.Fatalf("%d messages", len(msgs))
		}
		m := msgs[0]
		if m.Kind != "event_booking" || m.Unsubscribe != "" || strings.Contains(m.Body, "unsubscribe") || strings.Contains(m.HTML, "Stop these emails") ||
			!strings.Contains(m.Body, "because of your booking for Fun run") || !strings.Contains(m.HTML, "because of your booking for Fun run") {
			t.Fatalf("message %+v", m)
		}
	})
}
