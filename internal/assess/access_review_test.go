package assess_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// A health check round is seen by representatives of the partnership's
// current members (as the list of rounds shows): someone whose
// organisation has left gets the same 404 as an outsider.
func TestHealthCheckHiddenFromFormerMembers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("lead@x.test", false)
		env.User("gone@x.test", false)
		env.User("outsider@x.test", false)
		lead := env.Org("Lead Org", "vcs", map[string]string{"lead@x.test": "owner"})
		gone := env.Org("Gone Org", "vcs", map[string]string{"gone@x.test": "owner"})
		pid := partnership(t, env, "Seafront Alliance", "joint_project", lead, gone)
		loc := env.As("lead@x.test").PostForm("/health-checks", url.Values{"partnership": {fmt.Sprint(pid)}, "title": {"Spring"}}).Status(t, 303).Location()
		env.As("gone@x.test").Get(loc).Status(t, 200)
		left := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
		if _, err := d.W().ExecContext(env.Ctx, `UPDATE partnership_members SET left_on = $1 WHERE partnership_id = $2 AND organisation_id = $3`, left, pid, gone.ID); err != nil {
			t.Fatal(err)
		}
		env.As("lead@x.test").Get(loc).Status(t, 200)
		env.As("gone@x.test").Get("/health-checks").Status(t, 200).NotContains(t, `href="`+loc+`"`)
		env.As("gone@x.test").Get(loc).Status(t, 404)
		env.As("gone@x.test").GetAccept(loc, "application/json").Status(t, 404)
		env.As("outsider@x.test").Get(loc).Status(t, 404)
		env.As("gone@x.test").PostForm(loc+"/respond", url.Values{}).Status(t, 404)
	})
}

// The reviewer and the contributors are different people: the appointed
// reviewer cannot be added as a contributor, a contributor cannot be
// appointed, and an administrator who contributed cannot review.
func TestReviewerIsNotAContributor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		for _, e := range []string{"lead@x.test", "assessor@x.test", "helper@x.test"} {
			env.User(e, false)
		}
		env.User("admin@x.test", true)
		lead := env.Org("Lead Org", "vcs", map[string]string{"lead@x.test": "owner"})
		mem := env.Org("Member Org", "vcs", map[string]string{"helper@x.test": "viewer"})
		pid := partnership(t, env, "Fylde Care Consortium", "lead_contractor_consortium", lead, mem)
		leadC, admin := env.As("lead@x.test"), env.As("admin@x.test")
		base := fmt.Sprintf("/assessments/%d", assessmentID(t, leadC.PostForm("/quality-mark/apply", url.Values{"subject": {fmt.Sprintf("partnership:%d", pid)}}).Status(t, 303).Location()))
		var assessorID, adminID int64
		d.Q().QueryRowContext(env.Ctx, `SELECT id FROM users WHERE email = 'assessor@x.test'`).Scan(&assessorID)
		d.Q().QueryRowContext(env.Ctx, `SELECT id FROM users WHERE email = 'admin@x.test'`).Scan(&adminID)
		admin.PostForm("/admin/assessors", url.Values{"email": {"assessor@x.test"}}).Status(t, 303)
		// A contributor cannot be appointed reviewer.
		leadC.PostForm(base+"/contributors", url.Values{"email": {"assessor@x.test"}}).Status(t, 303)
		admin.PostForm(base+"/reviewer", url.Values{"reviewer": {fmt.Sprint(assessorID)}}).Status(t, 422).Contains(t, "cannot be a contributor")
		// An administrator added as a contributor cannot review it either.
		leadC.PostForm(base+"/contributors", url.Values{"email": {"admin@x.test"}}).Status(t, 303)
		admin.PostForm(base+"/reviewer", url.Values{"reviewer": {fmt.Sprint(adminID)}}).Status(t, 422).Contains(t, "cannot be a contributor")
		if _, err := d.W().ExecContext(env.Ctx, `UPDATE assess_assessments SET status = 'submitted', reviewer_id = $1 WHERE id = $2`, adminID, assessmentID(t, base)); err != nil {
			t.Fatal(err)
		}
		admin.PostForm(base+"/decision", url.Values{"result": {"awarded"}}).Status(t, 403)
		// The appointed reviewer cannot be made a contributor.
		env.User("second@x.test", false)
		admin.PostForm("/admin/assessors", url.Values{"email": {"second@x.test"}}).Status(t, 303)
		if _, err := d.W().ExecContext(env.Ctx, `UPDATE assess_assessments SET status = 'draft', reviewer_id = (SELECT id FROM users WHERE email = 'second@x.test') WHERE id = $1`, assessmentID(t, base)); err != nil {
			t.Fatal(err)
		}
		leadC.PostForm(base+"/contributors", url.Values{"email": {"second@x.test"}}).Status(t, 422).Contains(t, "cannot contribute")
	})
}
