package assess_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// Opening a health-check round emails the people of every member
// organisation (any role), once each even when they are in two of them,
// and nobody outside the partnership.
func TestOpeningAHealthCheckRoundTellsMembersOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		for _, e := range []string{"lead@x.test", "both@x.test", "viewer@x.test", "outsider@x.test"} {
			env.User(e, false)
		}
		a := env.Org("Partner A", "vcs", map[string]string{"lead@x.test": "owner", "both@x.test": "editor"})
		b := env.Org("Partner B", "vcs", map[string]string{"both@x.test": "owner", "viewer@x.test": "viewer"})
		env.Org("Elsewhere", "vcs", map[string]string{"outsider@x.test": "owner"})
		pid := partnership(t, env, "Seafront Alliance", "joint_project", a, b)
		loc := env.As("lead@x.test").PostForm("/health-checks", url.Values{"partnership": {fmt.Sprint(pid)}, "title": {"Spring"}, "closes_on": {"2099-03-31"}}).Status(t, 303).Location()
		for _, to := range []string{"lead@x.test", "both@x.test", "viewer@x.test"} {
			msgs := env.Outbox(to)
			if len(msgs) != 1 {
				t.Fatalf("%s got %d messages, want 1", to, len(msgs))
			}
			m := msgs[0]
			if m.Subject != "Health check open: Seafront Alliance (Spring)" || !strings.Contains(m.Body, "http://partnerhub.test"+loc) ||
				!strings.Contains(m.Body, "It closes on 31 March 2099.") || !strings.HasPrefix(m.Unsubscribe, "http://partnerhub.test/unsubscribe/") ||
				!strings.Contains(m.Body, "You get these emails as a member of an organisation in Seafront Alliance.") {
				t.Fatalf("%s: %+v", to, m)
			}
		}
		if n := len(env.Outbox("outsider@x.test")); n != 0 {
			t.Fatalf("someone outside the partnership got %d messages", n)
		}
	})
}
