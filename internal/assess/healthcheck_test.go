package assess_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/assess"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

func TestAggregateNeedsThree(t *testing.T) {
	f, _ := assess.Instrument(assess.KeyHealthCheck)
	all := func(v int) map[string]int {
		m := map[string]int{}
		for _, a := range f.Areas {
			for _, in := range a.Indicators {
				m[in.Code] = v
			}
		}
		return m
	}
	if r := assess.Aggregate(f, []map[string]int{all(5), all(1)}); r.Shown || r.Principles != nil {
		t.Fatal("two respondents must show nothing")
	}
	r := assess.Aggregate(f, []map[string]int{all(5), all(5), all(1), all(1)})
	p := r.Principles[0]
	if !r.Shown || p.Mean != 3 || p.SD != 2 || p.AgreePct != 50 || p.DisagreePct != 50 || p.Spread != "disagree" {
		t.Fatalf("%+v", p)
	}
	r = assess.Aggregate(f, []map[string]int{all(4), all(4), all(4)})
	if r.Principles[0].Spread != "agree" || r.Principles[0].SD != 0 {
		t.Fatalf("%+v", r.Principles[0])
	}
}

func TestHealthCheckAnonymous(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("admin@x.test", true)
		env.User("outsider@x.test", false)
		var orgs []*accounts.Organisation
		for i := 0; i < 5; i++ {
			email := fmt.Sprintf("rep%d@x.test", i)
			env.User(email, false)
			role := "viewer"
			if i == 0 {
				role = "owner"
			}
			orgs = append(orgs, env.Org(fmt.Sprintf("Partner %d", i), "vcs", map[string]string{email: role}))
		}
		partnership(t, env, "Seafront Alliance", "joint_project", orgs...)
		lead := env.As("rep0@x.test")
		lead.PostForm("/health-checks", url.Values{"partnership": {"99999"}, "title": {"x"}}).Status(t, 422)
		var pid int64
		d.Q().QueryRowContext(ctx, `SELECT id FROM partnerships WHERE name = 'Seafront Alliance'`).Scan(&pid)
		env.As("rep1@x.test").PostForm("/health-checks", url.Values{"partnership": {fmt.Sprint(pid)}, "title": {"Spring"}}).Status(t, 422)
		loc := lead.PostForm("/health-checks", url.Values{"partnership": {fmt.Sprint(pid)}, "title": {"Spring"}}).Status(t, 303).Location()
		env.As("outsider@x.test").Get(loc).Status(t, 404)

		f, _ := assess.Instrument(assess.KeyHealthCheck)
		answer := func(email string, v int) *apptest.Response {
			form := url.Values{}
			for _, a := range f.Areas {
				for _, in := range a.Indicators {
					form.Set("s_"+in.Code, fmt.Sprint(v))
				}
			}
			return env.As(email).PostForm(loc+"/respond", form)
		}
		env.As("rep1@x.test").PostForm(loc+"/respond", url.Values{}).Status(t, 422).Contains(t, "Choose how far you agree")
		env.As("outsider@x.test").PostForm(loc+"/respond", url.Values{}).Status(t, 404)
		values := []int{5, 5, 1, 4, 2}
		for i, v := range values {
			answer(fmt.Sprintf("rep%d@x.test", i), v).Status(t, 303)
		}
		answer("rep1@x.test", 3).Status(t, 409)
		// While open, results are not shown (no before/after differencing).
		lead.Get(loc).Status(t, 200).Contains(t, "Results are shown when the round closes").NotContains(t, "Average agreement")
		lead.Get(loc+"/close").Status(t, 200).Contains(t, "Are you sure")
		env.As("rep1@x.test").PostForm(loc+"/close", nil).Status(t, 403)
		lead.PostForm(loc+"/close", nil).Status(t, 303)
		answer("admin@x.test", 5).Status(t, 403) // admins see the round but are not representatives

		// Results: average 3.4, spread shown; individual answers never.
		var tokens []string
		rows, _ := d.Q().QueryContext(ctx, `SELECT DISTINCT token FROM assess_hc_answers`)
		for rows.Next() {
			var s string
			rows.Scan(&s)
			tokens = append(tokens, s)
		}
		rows.Close()
		if len(tokens) != 5 {
			t.Fatalf("%d tokens", len(tokens))
		}
		for _, who := range []string{"rep0@x.test", "rep3@x.test", "admin@x.test"} {
			c := env.As(who)
			for _, r := range []*apptest.Response{c.Get(loc).Status(t, 200), c.Get(loc+"?format=csv").Status(t, 200), c.GetAccept(loc, "application/json").Status(t, 200)} {
				r.Contains(t, "3.4")
				for _, tok := range tokens {
					r.NotContains(t, tok)
				}
				for _, s := range []string{"rep0@", "rep1@", "rep2@", "\"token\"", "\"value\""} {
					r.NotContains(t, s)
				}
			}
		}
		env.As("rep2@x.test").Get(loc).Contains(t, "Partners disagree", "Who has answered", "Partner 2: 1")
		// The answer table holds nothing that names or orders a respondent.
		cols := map[string]bool{}
		crow, err := d.Q().QueryContext(ctx, `SELECT * FROM assess_hc_answers LIMIT 1`)
		if err != nil {
			t.Fatal(err)
		}
		names, _ := crow.Columns()
		crow.Close()
		for _, c := range names {
			cols[strings.ToLower(c)] = true
		}
		if len(cols) != 4 || !cols["round_id"] || !cols["token"] || !cols["statement"] || !cols["value"] {
			t.Fatalf("answer columns %v", names)
		}
		// Audit records participation, never the answers.
		var leaks int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_entries WHERE action = 'healthcheck.respond' AND detail <> ''`).Scan(&leaks)
		if leaks != 0 {
			t.Fatal("audit detail holds answers")
		}
	})
}
