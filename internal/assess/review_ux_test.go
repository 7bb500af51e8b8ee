package assess_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
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
		q := qualityMarkAnswered(t, d)
		leadC, admin, id, base, fw := q.lead, q.admin, q.id, q.base, q.fw
		leadC.PostForm(base+"/submit", nil).Status(t, 303)

		page := admin.Get(base+"/review").Status(t, 200)
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

// qmAnswered is a Quality Mark application with every indicator answered,
// not yet submitted: lead@x.test owns Lead Org, the lead of Bispham Care
// Consortium; admin@x.test is an administrator.
type qmAnswered struct {
	env         *apptest.Env
	lead, admin *apptest.Client
	pid, id     int64
	base        string
	fw          *assess.FrameworkRow
}

func qualityMarkAnswered(t *testing.T, d *db.DB) qmAnswered {
	t.Helper()
	env := apptest.New(t, d)
	env.User("lead@x.test", false)
	env.User("admin@x.test", true)
	lead := env.Org("Lead Org", "vcs", map[string]string{"lead@x.test": "owner"})
	q := qmAnswered{env: env, lead: env.As("lead@x.test"), admin: env.As("admin@x.test")}
	q.pid = partnership(t, env, "Bispham Care Consortium", "lead_contractor_consortium", lead)
	q.id = assessmentID(t, q.lead.PostForm("/quality-mark/apply", url.Values{"subject": {fmt.Sprintf("partnership:%d", q.pid)}}).Status(t, 303).Location())
	q.base = fmt.Sprintf("/assessments/%d", q.id)
	q.fw, _ = assess.CurrentFramework(context.Background(), d.Q(), assess.KeyQualityMark)
	answerAll(t, q.lead, q.id, q.fw.F, true, "areas")
	return q
}

// TestAssessorRemovalAsksFirst: taking someone out of the assessors' pool
// is a destructive action, so the list links to an "are you sure" page
// and only its POST removes them.
func TestAssessorRemovalAsksFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("assessor@x.test", false)
		env.User("admin@x.test", true)
		admin := env.As("admin@x.test")
		admin.PostForm("/admin/assessors", url.Values{"email": {"assessor@x.test"}}).Status(t, 303)
		var uid, adminID int64
		d.Q().QueryRowContext(ctx, `SELECT id FROM users WHERE email = 'assessor@x.test'`).Scan(&uid)
		d.Q().QueryRowContext(ctx, `SELECT id FROM users WHERE email = 'admin@x.test'`).Scan(&adminID)
		confirm := fmt.Sprintf("/admin/assessors/%d/remove", uid)
		admin.Get("/admin/assessors").Status(t, 200).Contains(t, `href="`+confirm+`"`)
		admin.Get(confirm).Status(t, 200).Contains(t, "Are you sure", "assessor@x.test", `action="`+confirm+`"`)
		admin.Get(fmt.Sprintf("/admin/assessors/%d/remove", adminID)).Status(t, 404)
		admin.Get("/admin/assessors/999999/remove").Status(t, 404)
		env.As("assessor@x.test").Get(confirm).Status(t, 403)
		// Looking at the question changes nothing; answering it removes.
		list, _ := assess.Assessors(ctx, d.Q())
		if len(list) != 2 {
			t.Fatalf("assessors after GET: %d, want 2", len(list))
		}
		admin.PostForm(confirm, nil).Status(t, 303)
		list, _ = assess.Assessors(ctx, d.Q())
		if len(list) != 1 || list[0].Email != "admin@x.test" {
			t.Fatalf("assessors after removal: %+v", list)
		}
	})
}

// TestFieldErrorsDescribed: a question with an error tells screen readers
// (the group or field is described by its error message), and a form sent
// back with errors keeps the choices made in its drop-down lists.
func TestFieldErrorsDescribed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("lead@x.test", false)
		env.User("member@x.test", false)
		env.User("admin@x.test", true)
		lead := env.Org("Lead Org", "vcs", map[string]string{"lead@x.test": "owner"})
		mem := env.Org("Member Org", "vcs", map[string]string{"member@x.test": "owner"})
		pid := partnership(t, env, "Anchorsholme Consortium", "lead_contractor_consortium", lead, mem)
		partnership(t, env, "Another Partnership", "joint_project", lead)
		leadC, admin := env.As("lead@x.test"), env.As("admin@x.test")

		// Health check: the opening form keeps the partnership chosen; an
		// unanswered statement is described by its error.
		leadC.PostForm("/health-checks", url.Values{"partnership": {fmt.Sprint(pid)}, "title": {"Spring"}, "closes_on": {"31/02/2027"}}).Status(t, 422).
			Contains(t, fmt.Sprintf(`<option value="%d" selected>`, pid))
		round := leadC.PostForm("/health-checks", url.Values{"partnership": {fmt.Sprint(pid)}, "title": {"Spring"}}).Status(t, 303).Location()
		leadC.PostForm(round+"/respond", url.Values{"s_need_value": {"4"}}).Status(t, 422).
			Contains(t, `id="s_need_recognised" aria-describedby="s_need_recognised-error"`, `id="s_need_recognised-error"`).
			NotContains(t, `aria-describedby="s_need_value-error"`)

		// Assessment areas: an off-scale answer is described by its error.
		id := assessmentID(t, leadC.PostForm("/quality-mark/apply", url.Values{"subject": {fmt.Sprintf("partnership:%d", pid)}}).Status(t, 303).Location())
		base := fmt.Sprintf("/assessments/%d", id)
		body := leadC.PostForm(base+"/areas/purpose", url.Values{"form": {"answers"}, "r_pur_statement": {"7"}}).Status(t, 422).Body
		if !regexp.MustCompile(`id="r_pur_statement" aria-describedby="[^"]*r_pur_statement-error"`).MatchString(body) || !strings.Contains(body, `id="r_pur_statement-error"`) {
			t.Error("the area form's error is not tied to its question")
		}

		// Appointing a reviewer who is a member: the choice is kept and
		// the list is described by the error.
		fw, _ := assess.CurrentFramework(ctx, d.Q(), assess.KeyQualityMark)
		answerAll(t, leadC, id, fw.F, true, "areas")
		leadC.PostForm(base+"/submit", nil).Status(t, 303)
		admin.PostForm("/admin/assessors", url.Values{"email": {"member@x.test"}}).Status(t, 303)
		var memberID int64
		d.Q().QueryRowContext(ctx, `SELECT id FROM users WHERE email = 'member@x.test'`).Scan(&memberID)
		admin.PostForm(base+"/reviewer", url.Values{"reviewer": {fmt.Sprint(memberID)}}).Status(t, 422).
			Contains(t, `aria-describedby="reviewer-hint reviewer-error"`, fmt.Sprintf(`<option value="%d" selected>`, memberID))

		// Readiness: the organisation list is described by its error.
		leadC.PostForm("/readiness/start", url.Values{"subject": {"nonsense"}}).Status(t, 422).
			Contains(t, `<select class="ph-select" id="subject" name="subject" aria-describedby="subject-error">`)
	})
}
