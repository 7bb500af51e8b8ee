package partnerships_test

import (
	"context"
	"encoding/csv"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/taxonomy"
)

// A commissioner lists "consortia holding the Quality Mark whose full
// members are commissioning ready, offering service X in ward Y" (issue 13
// item 5): columns, filters, sort and the CSV.
func TestConsortiaListQualityMarkAndReadiness(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.New(t, d)
		env.User("lead@x.org", false)
		lead := env.Org("Hub Trust", "vcs", map[string]string{"lead@x.org": "owner"})
		ready := env.Org("Ready Project", "vcs", nil)
		notReady := env.Org("Unready Project", "vcs", nil)
		future := time.Now().AddDate(1, 0, 0)
		badge(t, env, lead, &future, false)
		badge(t, env, ready, &future, false)
		svc, err := taxonomy.ByCode(ctx, d.Q(), "service", "youth-work")
		if err != nil {
			t.Fatal(err)
		}
		c := env.As("lead@x.org")
		for _, name := range []string{"Alpha Consortium", "Beta Consortium", "Gamma Consortium"} {
			c.PostForm("/partnerships", url.Values{"name": {name}, "model": {"hub_and_spoke_consortium"}, "status": {"active"}, "visibility": {"public"},
				"origin": {"other"}, "start_date": {"2020-01-01"}, "lead": {itoa(lead.ID)}}).Status(t, 303)
		}
		c.PostForm("/partnerships/alpha-consortium/members", url.Values{"organisation": {"Ready Project"}, "role": {"member"}}).Status(t, 303)
		c.PostForm("/partnerships/beta-consortium/members", url.Values{"organisation": {"Unready Project"}, "role": {"member"}}).Status(t, 303)
		_ = notReady
		// Alpha and Beta hold the Quality Mark; Gamma's has expired.
		var ids = map[string]int64{}
		for _, slug := range []string{"alpha-consortium", "beta-consortium", "gamma-consortium"} {
			var id int64
			if err := d.Q().QueryRowContext(ctx, `SELECT id FROM partnerships WHERE slug = $1`, slug).Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids[slug] = id
		}
		award := func(id int64, until time.Time) {
			if err := d.Write(ctx, func(tx *db.Tx) error {
				var fw, as int64
				if err := tx.QueryRowContext(ctx, `SELECT id FROM assess_frameworks WHERE kind = 'quality_mark' ORDER BY id LIMIT 1`).Scan(&fw); err != nil {
					return err
				}
				if err := tx.QueryRowContext(ctx, `INSERT INTO assess_assessments (framework_id, kind, subject_type, subject_id, subject_name, status, created_at, updated_at)
					VALUES ($1, 'quality_mark', 'partnership', $2, 'x', 'decided', $3, $3) RETURNING id`, fw, id, db.Now()).Scan(&as); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO assess_awards (assessment_id, kind, subject_type, subject_id, result, label, awarded_on, valid_until)
					VALUES ($1, 'quality_mark', 'partnership', $2, 'awarded', 'Consortia Quality Mark', $3, $4)`, as, id, until.AddDate(-3, 0, 0), until)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		award(ids["alpha-consortium"], future)
		award(ids["beta-consortium"], future)
		award(ids["gamma-consortium"], time.Now().AddDate(0, 0, -3))
		for _, slug := range []string{"alpha-consortium", "beta-consortium"} {
			if _, err := d.W().ExecContext(ctx, `INSERT INTO partnership_services (partnership_id, term_id) VALUES ($1, $2)`, ids[slug], svc.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := d.W().ExecContext(ctx, `INSERT INTO partnership_areas (partnership_id, area) VALUES ($1, 'Talbot')`, ids[slug]); err != nil {
				t.Fatal(err)
			}
		}

		page := env.Anon().Get("/consortia").Status(t, 200)
		page.Contains(t, "Quality Mark", "Full members commissioning ready", "All 2 ready", "1 of 2 ready", "Held")
		q := "/consortia?quality_mark=1&ready=1&service=" + itoa(svc.ID) + "&ward=Talbot"
		got := env.Anon().Get(q).Status(t, 200)
		got.Contains(t, "Alpha Consortium").NotContains(t, "Beta Consortium", "Gamma Consortium")
		// Gamma's lapsed mark does not count; Beta's unready member stops it.
		env.Anon().Get("/consortia?quality_mark=1").Status(t, 200).Contains(t, "Alpha Consortium", "Beta Consortium").NotContains(t, "Gamma Consortium")
		// The CSV of the same query has the columns.
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(env.Anon().Get(q+"&format=csv").Status(t, 200).Body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 || !strings.Contains(strings.Join(recs[0], ","), "quality_mark,quality_mark_until,full_members,full_members_commissioning_ready") ||
			recs[1][0] != "Alpha Consortium" || recs[1][len(recs[1])-1] != "2" {
			t.Fatalf("csv = %q", recs)
		}
		// The consortium's page says it holds the mark; the lapsed one does not.
		env.Anon().Get("/partnerships/alpha-consortium").Status(t, 200).Contains(t, "Consortia Quality Mark", "Held", "until")
		env.Anon().Get("/partnerships/gamma-consortium").Status(t, 200).Contains(t, "Not held")
		// Quality Mark holders first.
		body := env.Anon().Get("/consortia?sort=quality_mark").Status(t, 200).Body
		if strings.Index(body, "Gamma Consortium") < strings.Index(body, "Beta Consortium") {
			t.Error("a consortium without the mark sorts before one with it")
		}
	})
}
