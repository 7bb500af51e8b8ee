package assess_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"partnerhub/internal/clean"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/assess"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// partnership inserts a partnership with member organisations (first is lead).
func partnership(t *testing.T, env *apptest.Env, name, model string, orgs ...*accounts.Organisation) int64 {
	t.Helper()
	ctx := context.Background()
	now := db.Now()
	var id int64
	err := env.DB.Write(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO partnerships (uuid, slug, name, model, status, created_at, updated_at) VALUES ($1, $2, $3, $4, 'active', $5, $5) RETURNING id`,
			uuid.NewString(), clean.Slug(name), name, model, now).Scan(&id); err != nil {
			return err
		}
		for i, o := range orgs {
			role := "member"
			if i == 0 {
				role = "lead"
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO partnership_members (partnership_id, organisation_id, role, created_at) VALUES ($1, $2, $3, $4)`, id, o.ID, role, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

var idRE = regexp.MustCompile(`/assessments/(\d+)`)

func assessmentID(t *testing.T, loc string) int64 {
	t.Helper()
	m := idRE.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("no assessment id in %q", loc)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// answerAll answers every indicator of every area with top (or bottom) ratings.
func answerAll(t *testing.T, c *apptest.Client, id int64, f *assess.Framework, top bool, prefix string) {
	t.Helper()
	for _, a := range f.Areas {
		v := url.Values{"form": {"answers"}}
		for _, in := range a.Indicators {
			opts := in.Options()
			o := opts[0]
			if top {
				o = opts[len(opts)-1]
			}
			v.Set("r_"+in.Code, strconv.Itoa(o.Value))
			v.Set("c_"+in.Code, "comment on "+in.Code)
		}
		c.PostForm(fmt.Sprintf("%s/assessments/%d/%s/%s", "", id, prefix, a.Code), v).Status(t, 303)
	}
}

func upload(c *apptest.Client, path, indicator, name string, content []byte) *apptest.Response {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("indicator", indicator)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	return c.Do("POST", path, &buf, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

func TestQualityMarkJourney(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		for _, e := range []string{"lead@x.test", "member@x.test", "assessor@x.test", "stranger@x.test"} {
			env.User(e, false)
		}
		env.User("admin@x.test", true)
		lead := env.Org("Lead Org", "vcs", map[string]string{"lead@x.test": "owner"})
		mem := env.Org("Member Org", "vcs", map[string]string{"member@x.test": "owner"})
		pid := partnership(t, env, "Fylde Care Consortium", "lead_contractor_consortium", lead, mem)
		partnership(t, env, "Coffee Network", "informal_network", lead)

		leadC := env.As("lead@x.test")
		leadC.Get("/quality-mark/apply").Status(t, 200).Contains(t, "Fylde Care Consortium").NotContains(t, "Coffee Network")
		// A non-consortium cannot apply, nor can someone who does not own it.
		env.As("member@x.test").PostForm("/quality-mark/apply", url.Values{"subject": {fmt.Sprintf("partnership:%d", pid)}}).Status(t, 422)
		res := leadC.PostForm("/quality-mark/apply", url.Values{"subject": {fmt.Sprintf("partnership:%d", pid)}}).Status(t, 303)
		id := assessmentID(t, res.Location())
		base := fmt.Sprintf("/assessments/%d", id)

		// Nobody else sees it: 404 like a missing one.
		env.As("stranger@x.test").Get(base).Status(t, 404)
		env.As("member@x.test").Get(base).Status(t, 404)
		env.As("stranger@x.test").Get("/assessments/999999").Status(t, 404)
		if loc := env.Anon().Get(base).Status(t, 303).Location(); !strings.HasPrefix(loc, "/signin") {
			t.Fatalf("anonymous: %s", loc)
		}

		// The lead invites a contributor from a member organisation.
		leadC.PostForm(base+"/contributors", url.Values{"email": {"nobody at x.test"}}).Status(t, 422).Contains(t, "correct format")
		leadC.PostForm(base+"/contributors", url.Values{"email": {"member@x.test"}}).Status(t, 303)
		memC := env.As("member@x.test")
		memC.Get(base).Status(t, 200).Contains(t, "Fylde Care Consortium", "Governance and the consortium agreement")
		if len(env.Outbox("member@x.test")) != 1 {
			t.Fatal("no invitation email")
		}

		// Submitting before everything is answered is refused.
		leadC.PostForm(base+"/submit", nil).Status(t, 422)
		fw, _ := assess.CurrentFramework(ctx, d.Q(), assess.KeyQualityMark)
		answerAll(t, memC, id, fw.F, true, "areas")
		// Off-scale answer is refused with a field error.
		leadC.PostForm(base+"/areas/purpose", url.Values{"form": {"answers"}, "r_pur_statement": {"7"}}).Status(t, 422).Contains(t, "Choose one of the options")

		// Evidence: allowed types only, served as attachments to viewers only.
		pdf := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")
		upload(memC, base+"/evidence", "gov_agreement", "agreement.pdf", pdf).Status(t, 303)
		upload(memC, base+"/evidence", "gov_agreement", "tool.exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00binary")).Status(t, 422).Contains(t, "must be a PDF")
		upload(memC, base+"/evidence", "gov_agreement", "page.pdf", []byte("<html><script>alert(1)</script></html>")).Status(t, 422)
		var eid int64
		d.Q().QueryRowContext(ctx, `SELECT id FROM assess_evidence WHERE assessment_id = $1`, id).Scan(&eid)
		dl := leadC.Get(fmt.Sprintf("%s/evidence/%d", base, eid)).Status(t, 200)
		if !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") || dl.Header.Get("X-Content-Type-Options") != "nosniff" || dl.Header.Get("Content-Type") != "application/pdf" || dl.Body != string(pdf) {
			t.Fatalf("download headers %v", dl.Header)
		}
		env.As("stranger@x.test").Get(fmt.Sprintf("%s/evidence/%d", base, eid)).Status(t, 404)

		leadC.Get(base+"/submit").Status(t, 200).Contains(t, "Check your answers")
		leadC.PostForm(base+"/submit", nil).Status(t, 303)
		memC.PostForm(base+"/areas/purpose", url.Values{"form": {"answers"}, "r_pur_statement": {"1"}}).Status(t, 409)

		// Admin appoints assessors; a member of the subject cannot review.
		admin := env.As("admin@x.test")
		admin.PostForm("/admin/assessors", url.Values{"email": {"assessor@x.test"}}).Status(t, 303)
		admin.PostForm("/admin/assessors", url.Values{"email": {"member@x.test"}}).Status(t, 303)
		var memberID, assessorID int64
		d.Q().QueryRowContext(ctx, `SELECT id FROM users WHERE email = 'member@x.test'`).Scan(&memberID)
		d.Q().QueryRowContext(ctx, `SELECT id FROM users WHERE email = 'assessor@x.test'`).Scan(&assessorID)
		admin.PostForm(base+"/reviewer", url.Values{"reviewer": {fmt.Sprint(memberID)}}).Status(t, 422).Contains(t, "cannot be a member")
		leadC.PostForm(base+"/reviewer", url.Values{"reviewer": {fmt.Sprint(assessorID)}}).Status(t, 403)
		admin.PostForm(base+"/reviewer", url.Values{"reviewer": {fmt.Sprint(assessorID)}}).Status(t, 303)

		rev := env.As("assessor@x.test")
		rev.Get("/review").Status(t, 200).Contains(t, "Fylde Care Consortium")
		rev.Get(base+"/review").Status(t, 200).Contains(t, "Rate each area")
		leadC.Get(base+"/review").Status(t, 404)
		leadC.PostForm(base+"/decision", url.Values{"result": {"awarded"}}).Status(t, 404)
		// Ask for more evidence: back to the subject, which resubmits.
		rev.PostForm(base+"/more-evidence", url.Values{"note": {""}}).Status(t, 422)
		rev.PostForm(base+"/more-evidence", url.Values{"note": {"Please attach the signed agreement."}}).Status(t, 303)
		leadC.Get(base).Status(t, 200).Contains(t, "asked for more evidence")
		upload(leadC, base+"/evidence", "gov_agreement", "signed.txt", []byte("Signed by all members on 1 May.")).Status(t, 303)
		leadC.PostForm(base+"/submit", nil).Status(t, 303)

		// Deciding needs every indicator rated; conditions need conditions text.
		rev.PostForm(base+"/decision", url.Values{"result": {"awarded"}}).Status(t, 422).Contains(t, "Rate every indicator")
		answerAll(t, rev, id, fw.F, true, "review")
		rev.PostForm(base+"/decision", url.Values{"result": {"awarded_with_conditions"}}).Status(t, 422).Contains(t, "Enter the conditions")
		rev.PostForm(base+"/decision", url.Values{"result": {"awarded_with_conditions"}, "conditions": {"Review the risk register by March."}}).Status(t, 303)

		leadC.Get(base+"/results").Status(t, 200).Contains(t, "Awarded with conditions", "Review the risk register", "<svg", "Scores by area")
		env.Anon().Get("/quality-mark").Status(t, 200).Contains(t, "Fylde Care Consortium")
		apps, awards, err := assess.QualityMarkCounts(ctx, d.Q(), time.Now().UTC().Year())
		if err != nil || apps != 1 || awards != 1 {
			t.Fatalf("counts %d %d %v", apps, awards, err)
		}
		h := leadC.Get(base+"/history").Status(t, 200)
		h.Contains(t, "Started", "Contributor added", "Submitted", "Reviewer appointed", "More evidence requested", "Decision recorded")
		var audits int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE object_type = 'assessment' AND object_id = $1`, fmt.Sprint(id)).Scan(&audits)
		if audits < 10 {
			t.Fatalf("only %d audit rows", audits)
		}

		// Action plan from gaps and reminders; check-ins and expiry.
		leadC.PostForm(base+"/actions", url.Values{"title": {"Refresh the risk register"}, "owner": {"Finance lead"}, "due_on": {time.Now().AddDate(0, 0, 3).Format("2006-01-02")}}).Status(t, 303)
		n, err := assess.RunReminders(ctx, d, time.Now(), "http://x")
		if err != nil || n != 1 {
			t.Fatalf("reminders %d %v", n, err)
		}
		n, _ = assess.RunReminders(ctx, d, time.Now().AddDate(1, 0, 1), "http://x")
		if n != 1 || !strings.Contains(env.Outbox("lead@x.test")[0].Subject, "12-month check-in") {
			t.Fatalf("12-month check-in: %d %v", n, env.Outbox("lead@x.test")[0].Subject)
		}
		n, _ = assess.RunReminders(ctx, d, time.Now().AddDate(3, 0, 5), "http://x")
		if n != 1 || !strings.Contains(env.Outbox("lead@x.test")[0].Subject, "expired") {
			t.Fatalf("expiry: %d %v", n, env.Outbox("lead@x.test")[0].Subject)
		}
		reg, _ := assess.Register(ctx, d.Q(), assess.KindQualityMark, time.Now().AddDate(3, 0, 5))
		if len(reg) != 0 {
			t.Fatal("an expired award still counts")
		}
	})
}

func TestReadinessBadge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("owner@x.test", false)
		env.User("viewer@x.test", false)
		org := env.Org("Seaside Trust", "vcs", map[string]string{"owner@x.test": "owner", "viewer@x.test": "viewer"})
		env.Anon().Get("/readiness").Status(t, 200).Contains(t, "Commissioning readiness", "/events?type=commissioning_workshop")
		env.As("viewer@x.test").PostForm("/readiness/start", url.Values{"subject": {fmt.Sprintf("organisation:%d", org.ID)}}).Status(t, 422)
		c := env.As("owner@x.test")
		res := c.PostForm("/readiness/start", url.Values{"subject": {fmt.Sprintf("organisation:%d", org.ID)}}).Status(t, 303)
		id := assessmentID(t, res.Location())
		fw, _ := assess.CurrentFramework(ctx, d.Q(), assess.KeyReadiness)
		// Evidence can link the directory's policy records.
		if _, err := d.W().ExecContext(ctx, `INSERT INTO org_policies (organisation_id, kind) VALUES ($1, 'safeguarding')`, org.ID); err != nil {
			t.Fatal(err)
		}
		// Each policy offered says whether it is in date.
		if _, err := d.W().ExecContext(ctx, `INSERT INTO org_policies (organisation_id, kind, review_date) VALUES ($1, 'complaints', $2), ($1, 'health_safety', $3)`,
			org.ID, time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC), time.Now().UTC().AddDate(1, 0, 0).Truncate(24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		c.Get(fmt.Sprintf("/assessments/%d/areas/policies", id)).Status(t, 200).Contains(t, "Policy: ", "(no review date)", "(review overdue since 1 March 2020: not in date)", "(in date, review due ")
		c.PostForm(fmt.Sprintf("/assessments/%d/evidence/link", id), url.Values{"indicator": {"pol_core"}, "record": {fmt.Sprintf("policy:%d:safeguarding", org.ID)}}).Status(t, 303)
		c.PostForm(fmt.Sprintf("/assessments/%d/evidence/link", id), url.Values{"indicator": {"pol_core"}, "record": {"policy:999:safeguarding"}}).Status(t, 422)
		c.Get(fmt.Sprintf("/assessments/%d/areas/policies", id)).Status(t, 200).Contains(t, "Policy: ")
		answerAll(t, c, id, fw.F, true, "areas")
		c.PostForm(fmt.Sprintf("/assessments/%d/submit", id), nil).Status(t, 303)
		c.Get(fmt.Sprintf("/assessments/%d/results", id)).Status(t, 200).Contains(t, "Result: Ready")
		badge := func() int {
			var n int
			d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM org_badges WHERE organisation_id = $1 AND kind = 'commissioning_ready' AND revoked_at IS NULL AND valid_until > $2`,
				org.ID, time.Now().AddDate(0, 11, 0)).Scan(&n)
			return n
		}
		if badge() != 1 {
			t.Fatal("no commissioning_ready badge valid for a year")
		}
		// A new result supersedes the old one; "not yet" removes the marker.
		res = c.PostForm("/readiness/start", url.Values{"subject": {fmt.Sprintf("organisation:%d", org.ID)}}).Status(t, 303)
		id2 := assessmentID(t, res.Location())
		answerAll(t, c, id2, fw.F, false, "areas")
		c.PostForm(fmt.Sprintf("/assessments/%d/submit", id2), nil).Status(t, 303)
		r2 := c.Get(fmt.Sprintf("/assessments/%d/results", id2)).Status(t, 200).Contains(t, "Result: Not yet", "Commissioning workshops")
		_ = r2
		if badge() != 0 {
			t.Fatal("superseded badge still current")
		}
		// Gaps become actions.
		c.PostForm(fmt.Sprintf("/assessments/%d/actions/from-gaps", id2), nil).Status(t, 303)
		acts, _ := assess.Actions(ctx, d.Q(), id2)
		if len(acts) != fw.F.IndicatorCount() {
			t.Fatalf("%d actions from %d gaps", len(acts), fw.F.IndicatorCount())
		}
	})
}
