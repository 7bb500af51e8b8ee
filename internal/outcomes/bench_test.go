package outcomes_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/benchkit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
	"partnerhub/internal/outcomes"
)

// seedOutcomes fills a migrated store with orgs organisations (80% third
// sector), plans for 60% of them (one outcome, two indicators each, every
// indicator adopted from one of eight bank indicators), baselines and
// targets for 40%, and quarterly measurements of most of those from 2021 until
// there are about measurements of them, in batched SQL on either database.
func seedOutcomes(b testing.TB, d *db.DB, orgs, measurements int) {
	ctx := context.Background()
	pg := d.IsPostgres()
	series := func(n int) (string, string) { // a CTE prefix and the FROM of x = 1..n
		if pg {
			return "", fmt.Sprintf("generate_series(1, %d) x", n)
		}
		return fmt.Sprintf("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d) ", n), "c"
	}
	ts := func(s string) string {
		if pg {
			return "TIMESTAMPTZ '" + s + " 00:00:00+00'"
		}
		return "'" + s + " 00:00:00+00:00'"
	}
	// quarter k (0-based) from 2023-01-01 as a date, and its end.
	quarter := func(k string) string {
		if pg {
			return "(DATE '2021-01-01' + ((" + k + ") * 3) * INTERVAL '1 month')"
		}
		return "(date('2021-01-01', '+' || ((" + k + ") * 3) || ' months') || ' 00:00:00+00:00')"
	}
	perInd := max(1, measurements/(orgs/2)) // indicators measured: 2 per organisation with x % 5 < 2, but not x % 20 = 6
	w1, f1 := series(orgs)
	w2, f2 := series(perInd)
	stmts := []string{
		w1 + fmt.Sprintf(`INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at)
			SELECT 'bench-' || x, 'bench-' || x, 'Bench organisation ' || x,
				CASE x %% 10 WHEN 0 THEN 'public' WHEN 1 THEN 'private' WHEN 2 THEN 'social_enterprise' WHEN 3 THEN 'faith' ELSE 'vcs' END,
				CASE x %% 10 WHEN 0 THEN 'public_body' WHEN 1 THEN 'company' ELSE 'charity' END, %s, %s FROM %s`, ts("2020-01-01"), ts("2020-01-01"), f1),
		`INSERT INTO outcome_bank_outcomes (theme_id, title, definition, created_at)
			SELECT id, 'Shared outcome ' || code, '', ` + ts("2020-01-01") + ` FROM taxonomy_terms WHERE vocabulary = 'theme' AND position <= 4`,
		`INSERT INTO outcome_bank_indicators (bank_outcome_id, name, definition, kind, unit, frequency, rollup, created_at)
			SELECT b.id, 'Shared indicator ' || b.id || '/' || r.k, '', 'numeric', 'people', 'quarterly', CASE WHEN r.k = 1 THEN 'sum' ELSE 'mean' END, ` + ts("2020-01-01") + `
			FROM outcome_bank_outcomes b CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2) r`,
		`INSERT INTO outcome_plans (owner_type, owner_id, title, aim, start_date, end_date, review_date, version, reviewed_at, created_at, updated_at)
			SELECT 'organisation', o.id, 'Plan', 'Aim', ` + ts("2021-01-01") + `, ` + ts("2028-12-31") + `, ` + ts("2027-01-01") + `, 1,
				CASE WHEN o.id % 10 = 5 THEN ` + ts("2026-02-01") + ` ELSE NULL END, ` + ts("2020-12-01") + `, ` + ts("2020-12-01") + `
			FROM organisations o WHERE o.id % 5 < 3`,
		`INSERT INTO outcome_plan_versions (plan_id, version, body, note, created_at)
			SELECT id, 1, '{}', 'Reviewed', reviewed_at FROM outcome_plans WHERE reviewed_at IS NOT NULL`,
		`INSERT INTO outcome_outcomes (plan_id, title, term, created_at) SELECT id, 'Outcome', 'medium', created_at FROM outcome_plans`,
		`INSERT INTO outcome_indicators (plan_id, outcome_id, owner_type, owner_id, name, kind, unit, baseline_value, baseline_date, target_value, target_date, frequency, bank_indicator_id, created_at)
			SELECT p.id, oc.id, 'organisation', p.owner_id, 'Indicator ' || r.k, 'numeric', 'people',
				CASE WHEN p.owner_id % 5 < 2 THEN 10 END, CASE WHEN p.owner_id % 5 < 2 THEN p.start_date END,
				CASE WHEN p.owner_id % 5 < 2 THEN 40 END, CASE WHEN p.owner_id % 5 < 2 THEN p.end_date END,
				'quarterly', (SELECT MIN(id) FROM outcome_bank_indicators) + (p.owner_id + r.k) % 8, p.created_at
			FROM outcome_plans p JOIN outcome_outcomes oc ON oc.plan_id = p.id CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2) r`,
		w2 + `INSERT INTO outcome_measurements (indicator_id, owner_type, owner_id, period, period_start, period_end, value, parts, people, source, note, created_at, updated_at)
			SELECT i.id, 'organisation', i.owner_id, 'Q' || x, ` + quarter("x - 1") + `, ` + quarter("x") + `, 10 + (i.id + x) % 30, '', 20, '', '', ` + quarter("x") + `, ` + quarter("x") + `
			FROM outcome_indicators i CROSS JOIN ` + f2 + ` WHERE i.baseline_value IS NOT NULL AND i.owner_id % 20 <> 6`,
	}
	for _, s := range stmts {
		if err := d.WriteBulk(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, s); return err }); err != nil {
			b.Fatalf("%v\n%s", err, s)
		}
	}
	if err := d.WriteBulk(ctx, func(tx *db.Tx) error {
		if err := outcomes.RebuildLadder(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `ANALYZE`)
		return err
	}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLadderAndRollups: the adoption ladder (the strategy's measures
// for a year), a year's theme roll-ups and the directory filtered by each
// ladder step, at scale, each beside its bare SQL (the query alone through
// database/sql, rows scanned) with the ratio of their mean times; the
// directory's p50/p99 too. Default 20,000 organisations and 200,000
// measurements; PARTNERHUB_BENCH_LARGE=1 for the national scale,
// 200,000 and 2,000,000 (2.8 million with the seed's rounding).
//
//	PARTNERHUB_BENCH_LARGE=1 go test -run '^$' -bench LadderAndRollups -benchtime 3x -timeout 60m ./internal/outcomes/
func BenchmarkLadderAndRollups(b *testing.B) {
	orgs, ms := 20000, 200000
	if os.Getenv("PARTNERHUB_BENCH_LARGE") == "1" {
		orgs, ms = 200000, 2000000
	}
	directory.SetStepFilter(directory.StepFilter{Labels: outcomes.StepNames(), SQL: outcomes.StepFilterSQL})
	run := func(b *testing.B, d *db.DB, prefix string) {
		start := time.Now()
		seedOutcomes(b, d, orgs, ms)
		seeded := time.Since(start)
		ctx := context.Background()
		var n int
		if err := d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM outcome_measurements`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		at := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
		c, err := outcomes.LadderCounts(ctx, d.Q(), at)
		if err != nil {
			b.Fatal(err)
		}
		if c[1] == 0 || c[3] == 0 || c[4] == 0 {
			b.Fatalf("the generated data gave an empty ladder: %v", c)
		}
		// bare runs query and scans its rows.
		bare := func(b *testing.B, query string, args ...any) {
			rows, err := d.Q().QueryContext(ctx, query, args...)
			if err != nil {
				b.Fatal(err)
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			dest := make([]any, len(cols))
			for i := range dest {
				dest[i] = new(any)
			}
			for rows.Next() {
				if err := rows.Scan(dest...); err != nil {
					b.Fatal(err)
				}
			}
			if err := rows.Err(); err != nil {
				b.Fatal(err)
			}
		}
		// compare times fn and its bare SQL alternately, reporting the mean
		// of each (unit), the ratio of the means and each one's CPU time,
		// and returns the sorted times.
		compare := func(b *testing.B, unit string, fn, bareFn func()) (full, bareT []time.Duration) {
			var cpuFull, cpuBare time.Duration
			for b.Loop() {
				t0, c0 := time.Now(), benchkit.CPUTime()
				fn()
				t1, c1 := time.Now(), benchkit.CPUTime()
				bareFn()
				full, bareT = append(full, t1.Sub(t0)), append(bareT, time.Since(t1))
				cpuFull, cpuBare = cpuFull+c1-c0, cpuBare+benchkit.CPUTime()-c1
			}
			// This process's CPU time (SQLite's work, not PostgreSQL's
			// server): steadier than wall-clock time on a loaded machine.
			b.ReportMetric(float64(cpuFull.Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(cpuBare.Microseconds())/1000/float64(b.N), "bare-cpu-ms/op")
			mean := func(xs []time.Duration) float64 {
				var s time.Duration
				for _, x := range xs {
					s += x
				}
				return float64(s.Microseconds()) / 1000 / float64(len(xs))
			}
			f, bm := mean(full), mean(bareT)
			b.ReportMetric(f, "ms/"+unit)
			b.ReportMetric(bm, "bare-ms")
			if bm > 0 {
				b.ReportMetric(f/bm, "ratio")
			}
			b.ReportMetric(0, "ns/op")
			slices.Sort(full)
			slices.Sort(bareT)
			return full, bareT
		}
		b.Run(prefix+"ladder-year", func(b *testing.B) {
			query, args := outcomes.LadderCountsSQL(at)
			compare(b, "ladder", func() {
				if _, err := outcomes.CountMeasures(ctx, d.Q(), at.AddDate(-1, 0, 0), at); err != nil {
					b.Fatal(err)
				}
			}, func() { bare(b, query, args...) })
			b.ReportMetric(float64(n), "measurements")
			b.ReportMetric(float64(orgs), "organisations")
			b.ReportMetric(seeded.Seconds(), "s/seed")
		})
		if d.IsPostgres() {
			// The ladder's bare SQL with PostgreSQL's JIT compilation on and
			// off (the connections turn it off; this shows what that saves):
			// its plan costs more than jit_above_cost at national scale.
			for _, jit := range []string{"on", "off"} {
				b.Run(prefix+"ladder-year-jit-"+jit, func(b *testing.B) {
					query, args := outcomes.LadderCountsSQL(at)
					var cpu time.Duration
					for b.Loop() {
						c0 := benchkit.CPUTime()
						if err := d.Read(ctx, func(tx *db.Tx) error {
							if _, err := tx.ExecContext(ctx, `SET LOCAL jit = `+jit); err != nil {
								return err
							}
							rows, err := tx.QueryContext(ctx, query, args...)
							if err != nil {
								return err
							}
							defer rows.Close()
							for rows.Next() {
							}
							return rows.Err()
						}); err != nil {
							b.Fatal(err)
						}
						cpu += benchkit.CPUTime() - c0
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/ladder")
					b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
					b.ReportMetric(0, "ns/op")
				})
			}
		}
		b.Run(prefix+"theme-rollups-year", func(b *testing.B) {
			from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			compare(b, "rollups", func() {
				rs, err := outcomes.ThemeRollups(ctx, d.Q(), from, from.AddDate(1, 0, 0))
				if err != nil || len(rs) == 0 {
					b.Fatal(err, len(rs))
				}
			}, func() { bare(b, outcomes.YearRollupSQL, 2025) })
		})
		// The directory filtered by step (first page by name, with the
		// count) beside the bare SQL of that page.
		for step := range 5 {
			b.Run(fmt.Sprintf("%sdirectory-step-%d", prefix, step), func(b *testing.B) {
				f := directory.Filter{OutcomesStep: fmt.Sprint(step), Sort: "name", Limit: 20}
				query := `SELECT o.id, o.name FROM organisations o JOIN outcome_org_steps s ON s.organisation_id = o.id WHERE s.step = $1 ORDER BY o.name, o.id LIMIT 20`
				if step == 0 {
					query = `SELECT o.id, o.name FROM organisations o WHERE o.sector IN ('vcs','social_enterprise','faith') AND $1 = 0
						AND NOT EXISTS (SELECT 1 FROM outcome_org_steps s WHERE s.organisation_id = o.id) ORDER BY o.name, o.id LIMIT 20`
				}
				full, bareT := compare(b, "search", func() {
					r, err := directory.Search(ctx, d.Q(), d.Dialect, f)
					if err != nil || len(r.Items) == 0 {
						b.Fatal(err, r.Total)
					}
				}, func() { bare(b, query, step) })
				b.ReportMetric(float64(benchkit.Percentile(full, 50).Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(benchkit.Percentile(full, 99).Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(benchkit.Percentile(bareT, 50).Microseconds())/1000, "bare-p50-ms")
				b.ReportMetric(float64(benchkit.Percentile(bareT, 99).Microseconds())/1000, "bare-p99-ms")
			})
		}
	}
	if os.Getenv("PARTNERHUB_BENCH_SKIP_SQLITE") != "1" {
		run(b, dbtest.SQLite(b), "")
	}
	if u := dbtest.PostgresURL(b); u != "" {
		run(b, dbtest.Postgres(b, u), "postgres-")
	}
}

// BenchmarkIndicatorPage: one indicator's chart page (64 quarterly
// measurements since 2010) through the whole handler stack, signed in;
// reports p50 and p99.
func BenchmarkIndicatorPage(b *testing.B) {
	d := dbtest.SQLite(b)
	env := apptest.New(b, d)
	env.User("owner@bench.test", false)
	org := env.Org("Bench Befriending", "vcs", map[string]string{"owner@bench.test": "owner"})
	ctx := context.Background()
	p := &outcomes.Plan{OwnerType: outcomes.OwnerOrg, OwnerID: org.ID, Title: "Plan", Aim: "Aim",
		Start: time.Date(2010, 4, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2028, 3, 31, 0, 0, 0, 0, time.UTC), Review: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)}
	var in *outcomes.Indicator
	err := d.Write(ctx, func(tx *db.Tx) error {
		if err := outcomes.CreatePlan(ctx, tx, p, 0); err != nil {
			return err
		}
		o := &outcomes.Outcome{Title: "Less lonely", Term: "medium"}
		if err := outcomes.AddOutcome(ctx, tx, p, o); err != nil {
			return err
		}
		p.Outcomes = append(p.Outcomes, *o)
		bv, tv := 20.0, 60.0
		bd, td := p.Start, p.End
		in = &outcomes.Indicator{OutcomeID: o.ID, Name: "People attending weekly", Kind: "numeric", Unit: "people", Frequency: "quarterly",
			Baseline: &bv, Target: &tv, BaselineDate: &bd, TargetDate: &td}
		if err := outcomes.SaveIndicator(ctx, tx, p, in); err != nil {
			return err
		}
		in.OwnerType, in.OwnerID = p.OwnerType, p.OwnerID
		for k := 0; k < 64; k++ {
			q := p.Start.AddDate(0, 3*k, 0)
			m, err := outcomes.MeasurementInput(p, in, url.Values{"period": {fmt.Sprintf("%d-Q%d", q.Year(), (int(q.Month())-1)/3+1)}, "value": {fmt.Sprint(20 + k/2)}, "people": {"40"}})
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
		b.Fatal(err)
	}
	c := env.As("owner@bench.test")
	path := fmt.Sprintf("/outcomes/plans/%d/indicators/%d", p.ID, in.ID)
	c.Get(path).Status(b, 200).Contains(b, "<svg")
	var times []time.Duration
	for b.Loop() {
		t0 := time.Now()
		c.Get(path).Status(b, 200)
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	b.ReportMetric(float64(benchkit.Percentile(times, 50).Microseconds())/1000, "ms-p50")
	b.ReportMetric(float64(benchkit.Percentile(times, 99).Microseconds())/1000, "ms-p99")
}
