package directory_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// "Send a message": a signed-in member writes to an organisation's owners
// and editors; the email's Reply-To is the sender, the page never shows a
// recipient's address, the form keeps input on error, it is rate-limited
// and audited, and an organisation nobody manages offers the claim link.
func TestSendMessage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("owner@target.example", false)
		env.User("editor@target.example", false)
		env.User("viewer@target.example", false)
		env.User("sender@mine.example", false)
		target := env.Org("Talbot Youth Project", "vcs", map[string]string{"owner@target.example": "owner", "editor@target.example": "editor", "viewer@target.example": "viewer"})
		mine := env.Org("Fylde Food Bank", "vcs", map[string]string{"sender@mine.example": "editor"})
		other := env.Org("Someone Else Trust", "vcs", nil)
		lonely := other
		action := "/directory/" + target.Slug + "/message"

		env.Anon().Get(action).Status(t, 303)
		s := env.As("sender@mine.example")
		s.Get("/directory/"+target.Slug).Status(t, 200).Contains(t, `href="`+action+`"`)
		page := s.Get(action).Status(t, 200).Contains(t, "Fylde Food Bank", "Send message").
			NotContains(t, "owner@target.example", "editor@target.example").Body
		_ = page

		// An error keeps everything typed, including the chosen organisation.
		sent := url.Values{"from_org": {strconv.FormatInt(mine.ID, 10)}, "subject": {"Joint bid for youth work"}, "message": {""}}
		s.PostForm(action, sent).Status(t, 422).Contains(t, "Enter your message").Kept(t, action, sent)
		// Not one of the sender's organisations: refused, input kept.
		bad := url.Values{"from_org": {strconv.FormatInt(other.ID, 10)}, "subject": {"Hello"}, "message": {"Hi"}}
		s.PostForm(action, bad).Status(t, 422).Contains(t, "Choose one of your organisations")
		if n := len(env.Outbox("owner@target.example")); n != 0 {
			t.Fatalf("%d emails after refused messages", n)
		}

		sent.Set("message", "We are bidding for the youth contract.\n\nWould you partner with us?")
		r := s.PostForm(action, sent).Status(t, 303)
		if loc := r.Location(); loc != "/directory/"+target.Slug {
			t.Fatalf("redirect to %q", loc)
		}
		for _, to := range []string{"owner@target.example", "editor@target.example"} {
			msgs := env.Outbox(to)
			if len(msgs) != 1 {
				t.Fatalf("%s got %d emails", to, len(msgs))
			}
			m := msgs[0]
			if m.ReplyTo != "sender@mine.example" || m.Kind != "directory_message" {
				t.Fatalf("%s: reply-to %q kind %q", to, m.ReplyTo, m.Kind)
			}
			if !strings.Contains(m.Subject, "Joint bid for youth work") || !strings.Contains(m.Body, "Fylde Food Bank") || !strings.Contains(m.Body, "Would you partner with us?") {
				t.Fatalf("%s: subject %q body %q", to, m.Subject, m.Body)
			}
			if m.Unsubscribe == "" {
				t.Fatalf("%s: no unsubscribe link", to)
			}
		}
		if n := len(env.Outbox("viewer@target.example")); n != 0 {
			t.Fatalf("viewer got %d emails", n)
		}
		var audited int
		if err := d.Q().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'directory.message' AND organisation_id = $1`, target.ID).Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if audited != 1 {
			t.Fatalf("audited %d messages", audited)
		}

		// Rate limit: three an hour to one organisation, then refused with input kept.
		sent.Set("subject", "Again")
		s.PostForm(action, sent).Status(t, 303)
		s.PostForm(action, sent).Status(t, 303)
		s.PostForm(action, sent).Status(t, 429).Contains(t, "already sent 3 messages").Kept(t, action, sent)
		if n := len(env.Outbox("owner@target.example")); n != 3 {
			t.Fatalf("owner got %d emails, want 3", n)
		}

		// Nobody manages it: say so, offer the claim link, send nothing.
		la := "/directory/" + lonely.Slug + "/message"
		s.Get(la).Status(t, 200).Contains(t, "Nobody manages", `/directory/`+lonely.Slug+`/claim`).NotContains(t, "Send message")
		s.PostForm(la, url.Values{"subject": {"Hi"}, "message": {"Hello"}}).Status(t, 409).Contains(t, "Nobody manages")
	})
}
