package assess_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/assess"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// Assessment emails (the invitation to contribute, "ready for review",
// more evidence asked, the decision, check-ins) are notifications: each
// says why it was sent and carries a one-click unsubscribe, which stops
// that kind.
func TestAssessmentEmailsSayWhyAndCanBeTurnedOff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := qualityMarkAnswered(t, d)
		env, leadC, admin, pid, id, base, fw := q.env, q.lead, q.admin, q.pid, q.id, q.base, q.fw
		env.User("helper@x.test", false)
		leadC.PostForm(base+"/contributors", url.Values{"email": {"helper@x.test"}}).Status(t, 303)
		leadC.PostForm(base+"/submit", nil).Status(t, 303)
		admin.PostForm(base+"/more-evidence", url.Values{"note": {"Please attach the agreement."}}).Status(t, 303)
		leadC.PostForm(base+"/submit", nil).Status(t, 303)
		answerAll(t, admin, id, fw.F, true, "review")
		admin.PostForm(base+"/decision", url.Values{"result": {"awarded"}}).Status(t, 303)
		if _, err := assess.RunReminders(ctx, d, time.Now().AddDate(1, 0, 1), "http://partnerhub.test"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ to, subject, why string }{
			{"helper@x.test", "You have been asked to contribute", "because you were added as a contributor to the assessment of Bispham Care Consortium"},
			{"admin@x.test", "An assessment is ready for review", "as a Partnerhub administrator"},
			{"lead@x.test", "More evidence is needed", "as a lead of the assessment of Bispham Care Consortium"},
			{"lead@x.test", "A decision on your", "as a lead of the assessment"},
			{"lead@x.test", "12-month check-in", "as a lead of the assessment"},
		} {
			var found bool
			for _, m := range env.Outbox(c.to) {
				if strings.HasPrefix(m.Subject, c.subject) {
					found = true
					if !strings.HasPrefix(m.Unsubscribe, "http://partnerhub.test/unsubscribe/") || !strings.Contains(m.Body, c.why) || !strings.Contains(m.HTML, "Stop these emails") {
						t.Fatalf("%s to %s: %+v", c.subject, c.to, m)
					}
				}
			}
			if !found {
				t.Fatalf("no %q to %s", c.subject, c.to)
			}
		}
		// The admin turns "ready for review" notices off in one click: the
		// next submission does not email them.
		m := env.Outbox("admin@x.test")[0]
		env.Anon().PostForm(strings.TrimPrefix(m.Unsubscribe, "http://partnerhub.test"), url.Values{"List-Unsubscribe": {"One-Click"}}).Status(t, 200)
		before := len(env.Outbox("admin@x.test"))
		id2 := assessmentID(t, leadC.PostForm("/quality-mark/apply", url.Values{"subject": {fmt.Sprintf("partnership:%d", pid)}}).Status(t, 303).Location())
		answerAll(t, leadC, id2, fw.F, true, "areas")
		leadC.PostForm(fmt.Sprintf("/assessments/%d/submit", id2), nil).Status(t, 303)
		if n := len(env.Outbox("admin@x.test")); n != before {
			t.Fatalf("the admin turned review notices off but got %d more", n-before)
		}
	})
}
