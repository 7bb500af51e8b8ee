package opportunities

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/benchkit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// BenchmarkList measures the listing with filters at 10,000 published
// opportunities from 40 buyers among 2,000 organisations (200,000 with
// PARTNERHUB_BENCH_LARGE=1, the scale), each query's p50/p99
// through List (the count, the page and the interest counts) beside
// the bare SQL of the page alone (ListSQL), on SQLite and, when
// configured, PostgreSQL. On a loaded machine wall-clock percentiles are
// mostly other processes' time: cpu-ms/op (this process's CPU time per
// List, SQLite's work included; PostgreSQL's server time is not) and
// bare-cpu-ms/op are the steadier figures, and ratio is their quotient.
//
//	go test -run ^$ -bench List -benchtime 200x ./internal/opportunities
//	PARTNERHUB_BENCH_LARGE=1 go test -run ^$ -bench List -benchtime 200x -timeout 30m ./internal/opportunities
func BenchmarkList(b *testing.B) {
	dbs := map[string]func(testing.TB) *db.DB{"sqlite": func(tb testing.TB) *db.DB { return dbtest.SQLite(tb) }}
	if u := dbtest.PostgresURL(b); u != "" {
		dbs["postgres"] = func(tb testing.TB) *db.DB { return dbtest.Postgres(tb, u) }
	}
	queries := []string{"", "q=advocacy", "theme=health-wellbeing&vcse=yes", "service=recovery-support&closing=30", "value=100k_500k&sort=value", "ward=Talbot&sort=newest", "status=all&kind=grant"}
	for _, name := range []string{"sqlite", "postgres"} {
		open := dbs[name]
		if open == nil {
			continue
		}
		d := open(b)
		now := benchOpportunities(b, d, 10000)
		for _, qs := range queries {
			v, _ := url.ParseQuery(qs)
			q, err := ParseQuery(v)
			if err != nil {
				b.Fatal(err)
			}
			label := qs
			if label == "" {
				label = "current"
			}
			b.Run(name+"/"+label, func(b *testing.B) {
				ctx := context.Background()
				var full, bare []time.Duration
				var cpuFull, cpuBare time.Duration
				for b.Loop() {
					t0, c0 := time.Now(), benchkit.CPUTime()
					if _, _, err := List(ctx, d.Q(), q, now, 20, 0); err != nil {
						b.Fatal(err)
					}
					t1, c1 := time.Now(), benchkit.CPUTime()
					query, args := ListSQL(q, now, 20, 0)
					rows, err := d.Q().QueryContext(ctx, query, args...)
					if err != nil {
						b.Fatal(err)
					}
					for rows.Next() {
						if _, err := scanOpp(rows); err != nil {
							b.Fatal(err)
						}
					}
					rows.Close()
					full, bare = append(full, t1.Sub(t0)), append(bare, time.Since(t1))
					cpuFull, cpuBare = cpuFull+c1-c0, cpuBare+benchkit.CPUTime()-c1
				}
				pct := func(xs []time.Duration, p float64) float64 {
					slices.Sort(xs)
					return float64(xs[int(float64(len(xs)-1)*p)].Microseconds()) / 1000
				}
				b.ReportMetric(pct(full, 0.5), "p50-ms")
				b.ReportMetric(pct(full, 0.99), "p99-ms")
				b.ReportMetric(pct(bare, 0.5), "bare-p50-ms")
				b.ReportMetric(pct(bare, 0.99), "bare-p99-ms")
				cf, cb := float64(cpuFull.Microseconds())/1000/float64(b.N), float64(cpuBare.Microseconds())/1000/float64(b.N)
				b.ReportMetric(cf, "cpu-ms/op")
				b.ReportMetric(cb, "bare-cpu-ms/op")
				if cb > 0 {
					b.ReportMetric(cf/cb, "ratio")
				}
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

// benchOpportunities stores n published opportunities spread over 40
// buyers, kinds, values, deadlines and requirements.
func benchOpportunities(b *testing.B, d *db.DB, n int) time.Time {
	b.Helper()
	ctx := context.Background()
	var buyers []int64
	for i := 0; i < 40; i++ {
		buyers = append(buyers, mkOrg(b, d, fmt.Sprintf("Buyer %d", i), "public").ID)
	}
	now := time.Now().UTC()
	orgs := 2000
	if os.Getenv("PARTNERHUB_BENCH_LARGE") == "1" {
		orgs = 200000
	}
	// The rest of the directory, written directly: the listing joins only
	// buyers, but its plans are chosen against the whole table.
	if err := d.WriteBulk(ctx, func(tx *db.Tx) error {
		for i := range orgs - len(buyers) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at) VALUES ($1,$2,$2,'vcs','charity',$3,$3)`,
				uuid.NewString(), fmt.Sprintf("bench-org-%d", i), now); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	s := &Store{}
	services := []string{"advice-advocacy", "befriending", "recovery-support", "carers-support", "youth-work"}
	themes := []string{"health-wellbeing", "mental-health", "drugs-alcohol", "carers", "families"}
	wards := []string{"Talbot", "Bloomfield", "Claremont", "Brunswick"}
	words := []string{"advocacy", "wellbeing", "recovery", "carers", "youth", "housing", "employment"}
	err := d.Write(ctx, func(tx *db.Tx) error {
		for i := 0; i < n; i++ {
			pub := now.AddDate(0, 0, -i%700)
			closes := pub.AddDate(0, 0, 30+i%60)
			st := StatusOpen
			if closes.Before(now) {
				st = StatusAwarded
			}
			max := int64(5_000_00 + (i%97)*20_000_00)
			o := &Opportunity{Kind: Kinds[i%3], Status: st, Title: fmt.Sprintf("%s service %d", words[i%len(words)], i), BuyerID: buyers[i%len(buyers)],
				Description: "Services for people in Blackpool: " + words[(i/7)%len(words)], PublishedAt: &pub, SubmissionDeadline: &closes,
				ValueMax: &max, SuitableVCSE: i%3 == 0,
				Requirements: []Requirement{{Kind: ReqService, Code: services[i%len(services)], Mandatory: true}, {Kind: ReqTheme, Code: themes[(i/3)%len(themes)]},
					{Kind: ReqWard, Code: wards[i%len(wards)]}}}
			if err := s.Create(ctx, tx, o, 0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// Fresh statistics, as autovacuum (PostgreSQL) or ANALYZE would keep
	// them after a bulk load; without them PostgreSQL plans the
	// requirement filters as if the tables were empty.
	if _, err := d.W().ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return now
}
