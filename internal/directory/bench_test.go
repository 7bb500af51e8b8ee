package directory_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/testkit"
)

// Benchmarks: directory search and the partner finder at N=300 (and
// N=200,000 with PARTNERHUB_BENCH_LARGE=1), each beside the bare SQL it
// runs; p50/p99 per operation are reported as metrics. Import throughput
// in rows per second.

func benchSizes() []int {
	if os.Getenv("PARTNERHUB_BENCH_LARGE") == "1" {
		return []int{300, 200000}
	}
	return []int{300}
}

func benchTown(b *testing.B, n int) *db.DB {
	b.Helper()
	d := dbtest.SQLite(b)
	if _, err := testkit.Generate(context.Background(), d, testkit.Options{Seed: 1, Orgs: n}); err != nil {
		b.Fatal(err)
	}
	return d
}

func report(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) == 0 {
		return
	}
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}

func timed(b *testing.B, fn func(i int) error) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := fn(i); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	report(b, lat)
}

var benchWords = []string{"youth", "carers", "food", "recovery", "advice", "older people", "counselling", "blackpool"}

func BenchmarkSearch(b *testing.B) {
	for _, n := range benchSizes() {
		d := benchTown(b, n)
		ctx := context.Background()
		b.Run(fmt.Sprintf("N=%d/search", n), func(b *testing.B) {
			timed(b, func(i int) error {
				_, err := directory.Search(ctx, d.Q(), d.Dialect, directory.Filter{Q: benchWords[i%len(benchWords)], Limit: 20})
				return err
			})
		})
		b.Run(fmt.Sprintf("N=%d/bare-sql", n), func(b *testing.B) {
			timed(b, func(i int) error {
				rows, err := d.Q().QueryContext(ctx, `SELECT o.id, o.name FROM org_fts m JOIN organisations o ON o.id = m.rowid WHERE org_fts MATCH $1 ORDER BY bm25(org_fts, 10.0, 8.0, 1.0, 4.0) LIMIT 20`, `"`+strings.Fields(benchWords[i%len(benchWords)])[0]+`"*`)
				if err != nil {
					return err
				}
				for rows.Next() {
				}
				rows.Close()
				return rows.Err()
			})
		})
	}
}

func BenchmarkFinder(b *testing.B) {
	for _, n := range benchSizes() {
		d := benchTown(b, n)
		ctx := context.Background()
		svc, _ := taxonomy.List(ctx, d.Q(), taxonomy.Services, false)
		cg, _ := taxonomy.List(ctx, d.Q(), taxonomy.ClientGroups, false)
		wards := directory.Wards()
		q := func(i int) directory.FinderQuery {
			return directory.FinderQuery{Services: []int64{svc[i%len(svc)].ID, svc[(i+3)%len(svc)].ID}, ClientGroups: []int64{cg[i%len(cg)].ID}, Wards: []string{wards[i%len(wards)]}, Limit: 20}
		}
		b.Run(fmt.Sprintf("N=%d/finder", n), func(b *testing.B) {
			timed(b, func(i int) error { _, err := directory.FindPartners(ctx, d.Q(), d.Dialect, q(i)); return err })
		})
		b.Run(fmt.Sprintf("N=%d/bare-sql", n), func(b *testing.B) {
			timed(b, func(i int) error {
				fq := q(i)
				rows, err := d.Q().QueryContext(ctx, `SELECT organisation_id, COUNT(*) AS s FROM (SELECT organisation_id FROM org_terms WHERE term_id IN ($1, $2, $3) UNION ALL SELECT organisation_id FROM org_areas WHERE kind = 'ward' AND code = $4) c GROUP BY organisation_id ORDER BY s DESC LIMIT 200`,
					fq.Services[0], fq.Services[1], fq.ClientGroups[0], fq.Wards[0])
				if err != nil {
					return err
				}
				for rows.Next() {
				}
				rows.Close()
				return rows.Err()
			})
		})
	}
}

func BenchmarkImport(b *testing.B) {
	const rows = 2000
	var sb strings.Builder
	sb.WriteString("identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&sb, "GB-CHC-%d,Bench Charity %d,vcs,charity,FY1 %dAA,Talbot;Park,youth-work;food,children-young-people,Runs clubs and a pantry number %d,https://b%d.example.org,10k_100k\n", 1000000+i, i, i%10, i, i)
	}
	data := []byte(sb.String())
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d := dbtest.SQLite(b)
		b.StartTimer()
		t0 := time.Now()
		rep, err := directory.Import(context.Background(), d, data, false)
		if err != nil || rep.Created != rows {
			b.Fatalf("%+v %v", rep, err)
		}
		b.ReportMetric(float64(rows)/time.Since(t0).Seconds(), "rows/s")
	}
}
