package outcomes_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/outcomes"
	"partnerhub/internal/partnerships"
)

// fixture: a bank indicator and a plan of org adopting it, with a
// baseline and target when targets is set.
func bankIndicator(t *testing.T, d *db.DB, rollup string) *outcomes.BankIndicator {
	t.Helper()
	ctx := context.Background()
	var bi *outcomes.BankIndicator
	err := d.Write(ctx, func(tx *db.Tx) error {
		var theme int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM taxonomy_terms WHERE vocabulary = 'theme' ORDER BY id LIMIT 1`).Scan(&theme); err != nil {
			return err
		}
		bo := &outcomes.BankOutcome{ThemeID: theme, Title: "People report improved wellbeing"}
		if err := outcomes.AddBankOutcome(ctx, tx, bo); err != nil {
			return err
		}
		bi = &outcomes.BankIndicator{BankOutcomeID: bo.ID, Name: "People helped " + rollup, Definition: "Counted the same way", Kind: "numeric", Unit: "people", Frequency: "quarterly", Rollup: rollup}
		return outcomes.AddBankIndicator(ctx, tx, bi)
	})
	if err != nil {
		t.Fatal(err)
	}
	return bi
}

func adoptingPlan(t *testing.T, d *db.DB, org int64, bi *outcomes.BankIndicator, targets bool, values map[string]float64) *outcomes.Plan {
	t.Helper()
	ctx := context.Background()
	p := &outcomes.Plan{OwnerType: outcomes.OwnerOrg, OwnerID: org, Title: "Plan", Aim: "Aim",
		Start: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2030, 3, 31, 0, 0, 0, 0, time.UTC), Review: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)}
	err := d.Write(ctx, func(tx *db.Tx) error {
		if err := outcomes.CreatePlan(ctx, tx, p, 0); err != nil {
			return err
		}
		in, err := outcomes.Adopt(ctx, tx, p, bi.ID)
		if err != nil {
			return err
		}
		if targets {
			b, tg := 10.0, 40.0
			bd, td := p.Start, p.End
			in.Baseline, in.Target, in.BaselineDate, in.TargetDate = &b, &tg, &bd, &td
			full, err := outcomes.GetPlan(ctx, tx, p.ID)
			if err != nil {
				return err
			}
			if err := outcomes.SaveIndicator(ctx, tx, full, in); err != nil {
				return err
			}
		}
		in.OwnerType, in.OwnerID = p.OwnerType, p.OwnerID
		for period, v := range values {
			m, err := outcomes.MeasurementInput(p, in, url.Values{"period": {period}, "value": {fmt.Sprint(v)}, "people": {"5"}})
			if err != nil {
				return err
			}
			if _, err := outcomes.SaveMeasurement(ctx, tx, in, m, 0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func org(t *testing.T, env *apptest.Env, name, sector string) *accounts.Organisation {
	return env.Org(name, sector, nil)
}

// TestLadderSteps: each organisation stands on the step its data says,
// an in-date verified declaration of another system counts as step 4,
// the measures say so, and the read model kept up by writes equals a
// rebuild from the data.
func TestLadderSteps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		bi := bankIndicator(t, d, "sum")
		none := org(t, env, "No Plan Charity", "vcs")
		one := org(t, env, "Plan Only", "vcs")
		two := org(t, env, "Targets Set", "faith")
		three := org(t, env, "Measured Long Ago", "vcs")
		four := org(t, env, "Measuring Now", "social_enterprise")
		star := org(t, env, "Star Users", "vcs")
		council := org(t, env, "Town Council", "public")
		adoptingPlan(t, d, one.ID, bi, false, nil)
		adoptingPlan(t, d, two.ID, bi, true, nil)
		adoptingPlan(t, d, three.ID, bi, true, map[string]float64{"2024-Q2": 12, "2024-Q3": 14})
		now := db.Now()
		q := func(t time.Time) string { return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1) }
		adoptingPlan(t, d, four.ID, bi, true, map[string]float64{q(now.AddDate(0, -6, 0)): 15, q(now.AddDate(0, -3, 0)): 18})
		adoptingPlan(t, d, council.ID, bi, true, map[string]float64{q(now.AddDate(0, -6, 0)): 1, q(now.AddDate(0, -3, 0)): 2})
		// Three's plan was made two years ago: not reviewed in the year.
		if _, err := d.W().ExecContext(ctx, `UPDATE outcome_plans SET created_at = $1 WHERE owner_id = $2`, now.AddDate(-2, 0, 0), three.ID); err != nil {
			t.Fatal(err)
		}
		err := d.Write(ctx, func(tx *db.Tx) error {
			if err := outcomes.Declare(ctx, tx, &outcomes.OtherSystem{OrgID: star.ID, System: "Outcomes Star", Evidence: "Annual report with Star readings"}, 0); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		at := now.Add(time.Minute)
		steps, err := outcomes.Ladder(ctx, d.Q(), at)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]int{none.ID: 0, one.ID: 1, two.ID: 2, three.ID: 3, four.ID: 4, star.ID: 0}
		for id, w := range want {
			if steps[id] != w {
				t.Errorf("organisation %d on step %d, want %d", id, steps[id], w)
			}
		}
		if _, ok := steps[council.ID]; ok {
			t.Error("a public body is on the third sector's ladder")
		}
		// Verified: step 4 while in date; not after.
		if err := d.Write(ctx, func(tx *db.Tx) error { return outcomes.Verify(ctx, tx, star.ID, now.AddDate(0, 6, 0), 0) }); err != nil {
			t.Fatal(err)
		}
		steps, _ = outcomes.Ladder(ctx, d.Q(), at)
		if steps[star.ID] != 4 {
			t.Errorf("verified declaration: step %d, want 4", steps[star.ID])
		}
		// The measures count the same steps in the database (GROUP BY):
		// none on 0; one, two, three on 1 to 3; four and star on 4.
		c, err := outcomes.LadderCounts(ctx, d.Q(), at)
		if err != nil {
			t.Fatal(err)
		}
		if want := outcomes.StepCounts(steps); c != want || c != [5]int{1, 1, 1, 1, 2} {
			t.Errorf("ladder counts %v, want %v from the steps and [1 1 1 1 2]", c, want)
		}
		m, err := outcomes.CountMeasures(ctx, d.Q(), at.AddDate(-1, 0, 0), at)
		if err != nil {
			t.Fatal(err)
		}
		if m["outcomes_step_4"] != 2 || m["outcomes_step_0"] != 1 || m["outcomes_share_steps_3_4"] != 50 {
			t.Errorf("measures %v, want 2 on step 4, 1 on step 0, 50%% on steps 3-4", m)
		}
		steps, _ = outcomes.Ladder(ctx, d.Q(), now.AddDate(0, 7, 0))
		if steps[star.ID] != 0 {
			t.Errorf("run-out verification: step %d, want 0", steps[star.ID])
		}
		// The strategy's measures.
		res := env.Anon().Get(fmt.Sprintf("/api/v1/stats/partnerships?year=%d", now.Year())).Status(t, 200)
		for _, s := range []string{`"outcomes_step_4"`, `"outcomes_share_steps_3_4"`} {
			if !strings.Contains(res.Body, s) {
				t.Errorf("measures lack %s", s)
			}
		}
		// A rebuild of the read model gives the same ladder.
		before, _ := outcomes.Ladder(ctx, d.Q(), at)
		if err := d.Write(ctx, func(tx *db.Tx) error { return outcomes.RebuildLadder(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		after, _ := outcomes.Ladder(ctx, d.Q(), at)
		for id, s := range before {
			if after[id] != s {
				t.Errorf("organisation %d: step %d kept up by writes, %d rebuilt", id, s, after[id])
			}
		}
		// The admin's ladder page lists by step.
		env.User("admin@example.org", true)
		env.As("admin@example.org").Get("/admin/outcomes/ladder?step=3").Status(t, 200).Contains(t, "Measured Long Ago").NotContains(t, "Measuring Now")
	})
}

// TestRollups: the town's figure for a shared indicator appears only once
// five organisations report; a partnership sees its members' figures by
// the indicator's rule.
func TestRollups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		sum := bankIndicator(t, d, "sum")
		mean := bankIndicator(t, d, "mean")
		var orgs []int64
		for i := 1; i <= 5; i++ {
			o := org(t, env, fmt.Sprintf("Charity %d", i), "vcs")
			orgs = append(orgs, o.ID)
			adoptingPlan(t, d, o.ID, sum, true, map[string]float64{"2025-Q1": float64(10 * i), "2025-Q2": float64(i)})
			if i <= 2 {
				adoptingPlan(t, d, o.ID, mean, true, map[string]float64{"2025-Q1": float64(i), "2025-Q2": float64(3 * i)})
			}
		}
		from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		rs, err := outcomes.ThemeRollups(ctx, d.Q(), from, from.AddDate(1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]outcomes.Rollup{}
		for _, r := range rs {
			got[r.ID] = r
		}
		if r := got[sum.ID]; r.Hidden || r.Orgs != 5 || r.Value != 165 {
			t.Errorf("sum roll-up = %+v, want 5 organisations, 165", r)
		}
		if r := got[mean.ID]; !r.Hidden || r.Value != 0 {
			t.Errorf("a roll-up of 2 organisations is shown: %+v", r)
		}
		env.Anon().Get("/outcomes/themes?year=2025").Status(t, 200).Contains(t, "165", "fewer than 5 organisations")
		// A partnership of charities 1 and 2: members' figures, mean rule:
		// (mean(1,3) + mean(2,6)) / 2 = 3.
		p := &partnerships.Partnership{Name: "Wellbeing Consortium", Model: "lead_contractor_consortium", Status: "active", Visibility: "members", Origin: "other",
			Start:   func() *time.Time { s := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC); return &s }(),
			Members: []partnerships.Member{{OrgID: orgs[0], Role: "lead"}, {OrgID: orgs[1], Role: "member"}}}
		if err := d.Write(ctx, func(tx *db.Tx) error { return partnerships.Insert(ctx, tx, p, 0) }); err != nil {
			t.Fatal(err)
		}
		ms, err := outcomes.MemberRollups(ctx, d.Q(), from, from.AddDate(1, 0, 0), orgs[:2])
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ms {
			if r.ID == mean.ID && (r.Value != 3 || r.Orgs != 2 || len(r.ByPeriod) != 2) {
				t.Errorf("members' mean roll-up = %+v, want 3 from 2 members over 2 periods", r)
			}
			if r.ID == sum.ID && r.Value != 33 {
				t.Errorf("members' sum roll-up = %v, want 33", r.Value)
			}
		}
		env.User("member@example.org", false)
		env.User("stranger@example.org", false)
		if err := d.Write(ctx, func(tx *db.Tx) error {
			u, err := accounts.UserByEmail(ctx, tx, "member@example.org")
			if err != nil {
				return err
			}
			return accounts.AddMember(ctx, tx, orgs[1], u.ID, "viewer")
		}); err != nil {
			t.Fatal(err)
		}
		env.As("member@example.org").Get("/partnerships/"+p.Slug+"/outcomes?year=2025").Status(t, 200).Contains(t, "People helped mean", "People helped sum")
		env.As("stranger@example.org").Get("/partnerships/"+p.Slug+"/outcomes").Status(t, 404)
	})
}

func upload(t *testing.T, c *apptest.Client, path string, csv string) *apptest.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	f, _ := w.CreateFormFile("file", "measurements.csv")
	f.Write([]byte(csv))
	w.Close()
	return c.Do("POST", path, &body, http.Header{"Content-Type": {w.FormDataContentType()}})
}

// TestImportMeasurements: unknown indicators and bad rows are reported
// with their lines and nothing is written; a good file is taken whole and
// importing it again changes nothing.
func TestImportMeasurements(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("owner@example.org", false)
		o := env.Org("Importing Charity", "vcs", map[string]string{"owner@example.org": "owner"})
		other := org(t, env, "Someone Else", "vcs")
		bi := bankIndicator(t, d, "sum")
		p := adoptingPlan(t, d, o.ID, bi, true, nil)
		q := adoptingPlan(t, d, other.ID, bi, true, nil)
		full, _ := outcomes.GetPlan(ctx, d.Q(), p.ID)
		otherFull, _ := outcomes.GetPlan(ctx, d.Q(), q.ID)
		ind, foreign := full.Indicators[0].ID, otherFull.Indicators[0].ID
		bad := fmt.Sprintf("indicator,period,value,people\n%d,2025-Q1,12,30\n999,2025-Q2,3,\n%d,2025-Q2,lots,\n%d,2019-Q1,4,\n%d,2025-Q3,4,\n", ind, ind, ind, foreign)
		rep, err := outcomes.ImportMeasurements(ctx, d, []byte(bad), p.ID, false, 0)
		if !apperr.Is(err, apperr.EINVALID) || rep == nil || len(rep.Rejected) != 4 {
			t.Fatalf("bad file: %v, %+v", err, rep)
		}
		for i, want := range []string{"indicator 999 is not an indicator in this plan", "enter a number", "outside the plan", fmt.Sprintf("indicator %d is not an indicator in this plan", foreign)} {
			if r := rep.Rejected[i]; !strings.Contains(r.Reason, want) || r.Line != i+3 {
				t.Errorf("rejection %d = line %d %q, want line %d %q", i, r.Line, r.Reason, i+3, want)
			}
		}
		if n := count(t, d, "outcome_measurements"); n != 0 {
			t.Fatalf("a refused file wrote %d measurements", n)
		}
		// Through the upload form: the problems listed with their lines.
		c := env.As("owner@example.org")
		base := fmt.Sprintf("/outcomes/plans/%d/import", p.ID)
		upload(t, c, base, bad).Status(t, 422).Contains(t, "nothing was imported", "indicator 999 is not an indicator in this plan")
		good := fmt.Sprintf("indicator,period,value,people,source\n%d,2025-Q1,12,30,Registers\n%d,2025-Q2,15,,Registers\n", ind, ind)
		upload(t, c, base, good).Status(t, 303)
		rep, err = outcomes.ImportMeasurements(ctx, d, []byte(good), 0, false, 0)
		if err != nil || rep.Created != 0 || rep.Unchanged != 2 {
			t.Fatalf("re-import: %v %+v, want 2 unchanged", err, rep)
		}
		if n := count(t, d, "outcome_measurements"); n != 2 {
			t.Fatalf("%d measurements, want 2", n)
		}
	})
}

// TestReviewReminders: owners and editors are told once when a plan's
// review date comes; reviewing (a new version) starts the clock again.
func TestReviewReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("owner@example.org", false)
		env.User("viewer@example.org", false)
		o := env.Org("Reviewing Charity", "vcs", map[string]string{"owner@example.org": "owner", "viewer@example.org": "viewer"})
		bi := bankIndicator(t, d, "sum")
		p := adoptingPlan(t, d, o.ID, bi, false, nil)
		before := p.Review.AddDate(0, 0, -1)
		if n, err := outcomes.RemindReviews(ctx, d, before, "http://x"); err != nil || n != 0 {
			t.Fatalf("before the review date: %d, %v", n, err)
		}
		if n, err := outcomes.RemindReviews(ctx, d, p.Review, "http://x"); err != nil || n != 1 {
			t.Fatalf("on the review date: %d, %v", n, err)
		}
		if n, _ := outcomes.RemindReviews(ctx, d, p.Review.AddDate(0, 0, 1), "http://x"); n != 0 {
			t.Fatal("reminded twice")
		}
		msgs := env.Outbox("owner@example.org")
		if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "review your outcomes plan") || !strings.Contains(msgs[0].Body, fmt.Sprintf("/outcomes/plans/%d/revise", p.ID)) {
			t.Fatalf("owner's mail = %+v", msgs)
		}
		if len(env.Outbox("viewer@example.org")) != 0 {
			t.Fatal("a viewer was reminded")
		}
	})
}

// TestBankAdminForms: an admin's bank forms refuse bad input with the
// input kept, and store good input.
func TestBankAdminForms(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@example.org", true)
		c := env.As("admin@example.org")
		var theme string
		if err := d.Q().QueryRowContext(context.Background(), `SELECT CAST(id AS TEXT) FROM taxonomy_terms WHERE vocabulary = 'theme' ORDER BY id LIMIT 1`).Scan(&theme); err != nil {
			t.Fatal(err)
		}
		bo := url.Values{"theme_id": {theme}, "title": {""}, "outcome_definition": {"Feel better"}}
		c.PostForm("/admin/outcomes/bank/outcomes", bo).Status(t, 422).Contains(t, "Enter the outcome")
		bo.Set("title", "People report improved wellbeing")
		c.PostForm("/admin/outcomes/bank/outcomes", bo).Status(t, 303)
		bank, _ := outcomes.Bank(context.Background(), d.Q())
		if len(bank) != 1 || bank[0].Definition != "Feel better" {
			t.Fatalf("bank = %+v", bank)
		}
		bi := url.Values{"bank_outcome_id": {fmt.Sprint(bank[0].ID)}, "name": {"WEMWBS"}, "definition": {""}, "kind": {"scale"}, "scale_min": {"14"}, "scale_max": {"70"}, "frequency": {"quarterly"}, "rollup": {"mean"}}
		c.PostForm("/admin/outcomes/bank/indicators", bi).Status(t, 422).Contains(t, "Enter a definition")
		bi.Set("definition", "Mean score")
		c.PostForm("/admin/outcomes/bank/indicators", bi).Status(t, 303)
		env.Anon().Get("/outcomes/bank").Status(t, 200).Contains(t, "WEMWBS", "Mean score")
	})
}
