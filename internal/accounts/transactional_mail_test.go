package accounts_test

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
)

// Account emails (confirm your address, reset your password, an
// invitation to join an organisation) are not notifications: nobody can
// turn them off, so they carry no unsubscribe link or List-Unsubscribe
// header. They are built by the same mail.Compose as notices (quoted-
// printable bodies, folded subjects).
func TestAccountEmailsHaveNoUnsubscribeAndGoThroughCompose(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("owner@example.org", false)
		org := env.Org("Fylde Trust", "vcs", map[string]string{"owner@example.org": "owner"})
		anon := env.Anon()
		anon.PostForm("/signup", url.Values{"name": {"New Person"}, "email": {"new@example.org"}, "password": {"a long enough passphrase"}})
		anon.PostForm("/password/forgot", url.Values{"email": {"owner@example.org"}}).Status(t, 200)
		env.As("owner@example.org").PostForm("/orgs/"+org.Slug+"/members/invite", url.Values{"email": {"guest@example.org"}, "role": {"editor"}})
		kinds := map[string]bool{}
		for _, to := range []string{"new@example.org", "owner@example.org", "guest@example.org"} {
			for _, m := range env.Outbox(to) {
				kinds[m.Kind] = true
				raw, err := netmail.ReadMessage(bytes.NewReader(mail.Compose("p@x.org", m, time.Now())))
				if err != nil || m.Unsubscribe != "" || raw.Header.Get("List-Unsubscribe") != "" || strings.Contains(m.Body, "/unsubscribe/") ||
					raw.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
					t.Fatalf("%s to %s: %v %+v", m.Kind, to, err, raw.Header)
				}
			}
		}
		for _, k := range []string{"verify", "reset", "invite"} {
			if !kinds[k] {
				t.Fatalf("no %s email was sent (sent: %v)", k, kinds)
			}
		}
	})
}
