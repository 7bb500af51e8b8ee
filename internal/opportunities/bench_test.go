package opportunities

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// BenchmarkList measures the listing with filters at 10,000 published
// opportunities from 40 buyers (not the 200,000-organisation fixture: the
// listing joins only the buyers), each query's p50/p99 through List (the
// count, the page and the interest counts) beside the bare SQL of the
// page alone (ListSQL), on SQLite and, when configured, PostgreSQL.
//
//	go test -run ^$ -bench List -benchtime 200x ./internal/opportunities
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
				for b.Loop() {
					t0 := time.Now()
					if _, _, err := List(ctx, d.Q(), q, now, 20, 0); err != nil {
						b.Fatal(err)
					}
					t1 := time.Now()
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
				}
				pct := func(xs []time.Duration, p float64) float64 {
					slices.Sort(xs)
					return float64(xs[int(float64(len(xs)-1)*p)].Microseconds()) / 1000
				}
				b.ReportMetric(pct(full, 0.5), "p50-ms")
				b.ReportMetric(pct(full, 0.99), "p99-ms")
				b.ReportMetric(pct(bare, 0.5), "bare-p50-ms")
				b.ReportMetric(pct(bare, 0.99), "bare-p99-ms")
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
