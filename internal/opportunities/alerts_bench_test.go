package opportunities

import (
	"context"
	"fmt"
	"net/url"
	"runtime"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/benchkit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// BenchmarkAlertDigest measures one run of the alert digest for 20,000
// saved searches (10,000 people, two each, daily and immediate, drawn from
// combinations of words, kinds, wards, services and the VCSE flag) over
// 200 opportunities published since they last ran, among 2,000 older
// ones, on one core (GOMAXPROCS 1). It reports the seconds per run (and
// this process's CPU seconds per run), the distinct queries run and the
// emails queued. Target: under 60 s.
//
//	go test -run ^$ -bench AlertDigest -benchtime 1x ./internal/opportunities
func BenchmarkAlertDigest(b *testing.B) {
	dbs := map[string]func(testing.TB) *db.DB{"sqlite": func(tb testing.TB) *db.DB { return dbtest.SQLite(tb) }}
	if u := dbtest.PostgresURL(b); u != "" {
		dbs["postgres"] = func(tb testing.TB) *db.DB { return dbtest.Postgres(tb, u) }
	}
	for _, name := range []string{"sqlite", "postgres"} {
		open := dbs[name]
		if open == nil {
			continue
		}
		b.Run(name, func(b *testing.B) {
			d := open(b)
			ctx := context.Background()
			now := benchOpportunities(b, d, 2000)
			lastRun := now.Add(-25 * time.Hour)
			// The 2,000 are old news: unchanged since before the alerts last ran.
			if _, err := d.W().ExecContext(ctx, `UPDATE opportunities SET updated_at = $1, published_at = $1`, lastRun.Add(-time.Hour)); err != nil {
				b.Fatal(err)
			}
			// 200 new ones, published an hour ago.
			if _, err := d.W().ExecContext(ctx, `UPDATE opportunities SET updated_at = $1, published_at = $1 WHERE id IN (SELECT id FROM opportunities ORDER BY id LIMIT 200)`, now.Add(-time.Hour)); err != nil {
				b.Fatal(err)
			}
			words := []string{"", "advocacy", "wellbeing", "recovery", "carers", "youth", "housing", "employment"}
			kinds := []string{"", KindTender, KindGrant, KindConsultation}
			wards := []string{"", "Talbot", "Bloomfield", "Claremont", "Brunswick"}
			services := []string{"", "advice-advocacy", "befriending", "recovery-support"}
			var queries []string
			for _, w := range words {
				for _, k := range kinds {
					for _, wd := range wards {
						for _, sv := range services {
							for _, vcse := range []string{"", "yes"} {
								v := url.Values{}
								for key, val := range map[string]string{"q": w, "kind": k, "ward": wd, "service": sv, "vcse": vcse} {
									if val != "" {
										v.Set(key, val)
									}
								}
								queries = append(queries, v.Encode())
							}
						}
					}
				}
			}
			err := d.Write(ctx, func(tx *db.Tx) error {
				for i := 0; i < 10000; i++ {
					u, err := accounts.InsertUserHash(ctx, tx, "x", fmt.Sprintf("Person %d", i), fmt.Sprintf("p%d@bench.test", i), false, true)
					if err != nil {
						return err
					}
					for j, freq := range []string{AlertDaily, AlertImmediately} {
						q := queries[(i*7+j*131)%len(queries)]
						if _, err := tx.ExecContext(ctx, `INSERT INTO opportunity_alerts (user_id, name, query, frequency, last_run_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5, $5)`,
							u.ID, fmt.Sprintf("Alert %d", j), q, freq, lastRun); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			procs := runtime.GOMAXPROCS(1)
			defer runtime.GOMAXPROCS(procs)
			var st DigestStats
			var took, cpu time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				if _, err := d.W().ExecContext(ctx, `UPDATE opportunity_alerts SET last_run_at = $1`, lastRun); err != nil {
					b.Fatal(err)
				}
				if _, err := d.W().ExecContext(ctx, `DELETE FROM outbox`); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				t0, c0 := time.Now(), benchkit.CPUTime()
				if st, err = RunAlertDigest(ctx, d, "https://bench.test", now); err != nil {
					b.Fatal(err)
				}
				took, cpu = took+time.Since(t0), cpu+benchkit.CPUTime()-c0
			}
			if st.Alerts != 20000 {
				b.Fatalf("the digest handled %d alerts, want 20000", st.Alerts)
			}
			b.ReportMetric(took.Seconds()/float64(b.N), "s/digest")
			// This process's CPU time (SQLite's work included; not
			// PostgreSQL's): the steadier figure on a shared machine.
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/digest")
			b.ReportMetric(float64(st.Queries), "queries")
			b.ReportMetric(float64(st.Emails), "emails")
			b.ReportMetric(0, "ns/op")
		})
	}
}
