package ocds

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"partnerhub/internal/benchkit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// BenchmarkImport imports an OCDS release package of 10,000 releases
// (5,000 processes: a tender and a tender amendment each; 40 buyers, half
// of them already in the directory) into an empty database, then imports
// it again (every release already there). Metrics: releases/s for the
// first import and the re-import, on SQLite and, with
// PARTNERHUB_TEST_POSTGRES_URL, PostgreSQL; releases/cpu-s divides by the
// CPU time the process used instead of the wall-clock time.
//
//	go test -run '^$' -bench Import -benchtime 1x ./internal/ocds/
func BenchmarkImport(b *testing.B) {
	const processes = 5000
	dbs := map[string]func(testing.TB) *db.DB{"sqlite": func(t testing.TB) *db.DB { return dbtest.SQLite(t) }}
	if u := os.Getenv("PARTNERHUB_TEST_POSTGRES_URL"); u != "" {
		dbs["postgres"] = func(t testing.TB) *db.DB { return dbtest.Postgres(t, u) }
	}
	data := benchPackage(b, processes)
	for _, name := range []string{"sqlite", "postgres"} {
		open := dbs[name]
		if open == nil {
			continue
		}
		b.Run(fmt.Sprintf("%s/releases=%d", name, 2*processes), func(b *testing.B) {
			ctx := context.Background()
			var fresh, again, cpu []float64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				d := open(b)
				s := newService(b, d)
				for k := 0; k < 20; k++ {
					mkBuyer(b, d, fmt.Sprintf("Bench trust %d", k), fmt.Sprintf("GB-NHS-B%03d", k))
				}
				b.StartTimer()
				t0, c0 := time.Now(), benchkit.CPUTime()
				res, err := s.Import(ctx, data, false, 0)
				if err != nil || res.Report.Created != processes || len(res.Report.Rejected) != 0 {
					b.Fatalf("%v %v", res, err)
				}
				fresh = append(fresh, float64(2*processes)/time.Since(t0).Seconds())
				cpu = append(cpu, float64(2*processes)/(benchkit.CPUTime()-c0).Seconds())
				t0 = time.Now()
				res, err = s.Import(ctx, data, false, 0)
				if err != nil || res.Report.Unchanged != processes {
					b.Fatalf("re-import: %v %v", res, err)
				}
				again = append(again, float64(2*processes)/time.Since(t0).Seconds())
			}
			b.StopTimer()
			sort.Float64s(fresh)
			sort.Float64s(again)
			sort.Float64s(cpu)
			b.ReportMetric(cpu[len(cpu)/2], "releases/cpu-s")
			b.ReportMetric(fresh[len(fresh)/2], "releases/s")
			b.ReportMetric(again[len(again)/2], "reimport-releases/s")
		})
	}
}

func benchPackage(b *testing.B, processes int) []byte {
	var rels []json.RawMessage
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i := 0; i < processes; i++ {
		k := i % 40
		n := &Notice{
			OCID: fmt.Sprintf("ocds-bench1-%06d", i), Kind: "tender", Status: "open",
			Title:       fmt.Sprintf("Community services contract %d", i),
			Description: "Support for adults and families across the borough, delivered with local partners.",
			Buyer:       Org{Name: fmt.Sprintf("Bench trust %d", k), Identifiers: []string{fmt.Sprintf("GB-NHS-B%03d", k)}},
			Contact:     Contact{Name: "Commissioning", Email: "commissioning@bench.test"},
			ValueMin:    ptr(int64(100000_00)), ValueMax: ptr(int64(250000_00 + i)),
			PublishedAt: ptr(start.Add(time.Duration(i) * time.Minute)), SubmissionDeadline: ptr(start.AddDate(0, 2, 0)),
			Procedure: "open", CPVCodes: []string{"85000000-9"}, SuitableSME: true, SuitableVCSE: i%2 == 0,
			Lots: []NoticeLot{{ID: "1", Title: "North"}, {ID: "2", Title: "South", Value: ptr(int64(50000_00))}},
		}
		r1, _ := json.Marshal(Release(n, n.OCID+"-1", *n.PublishedAt, Tags(n, true)))
		n.SubmissionDeadline = ptr(start.AddDate(0, 2, 14))
		r2, _ := json.Marshal(Release(n, n.OCID+"-2", n.PublishedAt.Add(24*time.Hour), Tags(n, false)))
		rels = append(rels, r1, r2)
	}
	out, err := json.Marshal(NewReleasePackage("https://bench.test/releases.json", Publisher{Name: "Bench"}, start, rels))
	if err != nil {
		b.Fatal(err)
	}
	return out
}
