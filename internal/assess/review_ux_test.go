package assess_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/assess"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestReviewPageFields: the review page's two forms each have their own
// note field (one id per field, so each label and error link finds its
// own box), and the applicant reads the reviewer's request for more
// evidence on the overview, not only in the history.
func TestReviewPageFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("lead@x.test", false)
		env.User("admin@x.test", true)
		lead := env.Org("Lead Org", "vcs", map[string]string{"lead@x.test": "owner"})
		pid := partnership(t, env, "Bispham Care Consortium", "lead_contractor_consortium", lead)
		leadC, admin := env.As("lead@x.test"), env.As("admin@x.test")
		id := assessmentID(t, leadC.PostForm("/quality-mark/apply", url.Values{"subject": {fmt.Sprintf("partnership:%d", pid)}}).Status(t, 303).Location())
		base := fmt.Sprintf("/assessments/%d", id)
		fw, _ := assess.CurrentFramework(ctx, d.Q(), assess.KeyQualityMark)
		answerAll(t, leadC, id, fw.F, true, "areas")
		leadC.PostForm(base+"/submit", nil).Status(t, 303)

		page := admin.Get(base + "/review").Status(t, 200)
		if n := strings.Count(page.Body, `id="note"`); n != 1 {
			t.Fatalf("the review page has %d elements with id=note, want 1", n)
		}
		page.Contains(t, `for="decision_note"`, `id="decision_note"`, `name="decision_note"`)

		// The applicant sees what the reviewer asked for on the overview.
		note := "Please attach the signed consortium agreement & minutes."
		admin.PostForm(base+"/more-evidence", url.Values{"note": {note}}).Status(t, 303)
		leadC.Get(base).Status(t, 200).Contains(t, "asked for more evidence", "Please attach the signed consortium agreement &amp; minutes.")

		// The decision's note is the decision_note field; a long one is
		// reported on that field, long conditions on theirs.
		leadC.PostForm(base+"/submit", nil).Status(t, 303)
		answerAll(t, admin, id, fw.F, true, "review")
		long := strings.Repeat("x", 5001)
		admin.PostForm(base+"/decision", url.Values{"result": {"awarded"}, "decision_note": {long}}).Status(t, 422).Contains(t, `href="#decision_note"`)
		admin.PostForm(base+"/decision", url.Values{"result": {"awarded_with_conditions"}, "conditions": {long}}).Status(t, 422).Contains(t, `href="#conditions"`)
		admin.PostForm(base+"/decision", url.Values{"result": {"awarded"}, "decision_note": {"Well evidenced throughout."}}).Status(t, 303)
		leadC.Get(base+"/results").Status(t, 200).Contains(t, "note: Well evidenced throughout.")
	})
}
