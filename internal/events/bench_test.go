package events

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// BenchmarkBooking measures booking throughput on one event (the worst
// case: every booking waits for the same event row), sequentially and from
// parallel goroutines, on SQLite and, when configured, PostgreSQL.
//
//	go test -run ^$ -bench Booking -benchtime 2000x ./internal/events
func BenchmarkBooking(b *testing.B) {
	dbs := map[string]func(testing.TB) *db.DB{"sqlite": func(tb testing.TB) *db.DB { return dbtest.SQLite(tb) }}
	if u := dbtest.PostgresURL(b); u != "" {
		dbs["postgres"] = func(tb testing.TB) *db.DB { return dbtest.Postgres(tb, u) }
	}
	for _, name := range []string{"sqlite", "postgres"} {
		open := dbs[name]
		if open == nil {
			continue
		}
		for _, parallel := range []bool{false, true} {
			mode := "serial"
			if parallel {
				mode = "parallel"
			}
			b.Run(name+"/"+mode, func(b *testing.B) {
				d := open(b)
				ctx := context.Background()
				org := mkOrg(b, d, "Bench Organiser", "vcs")
				e := mkEvent(b, d, org.ID, b.N/2+1, time.Now().Add(72*time.Hour), StatusPublished)
				var n atomic.Int64
				book := func() {
					i := n.Add(1)
					err := d.Write(ctx, func(tx *db.Tx) error {
						_, err := Book(ctx, tx, e.ID, BookRequest{Name: "P", Email: fmt.Sprintf("p%d@example.org", i)}, db.Now(), "http://x")
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
				if parallel {
					b.SetParallelism(4)
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							book()
						}
					})
				} else {
					for b.Loop() {
						book()
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bookings/s")
				got, err := GetEvent(ctx, d.Q(), e.Slug)
				if err != nil {
					b.Fatal(err)
				}
				if got.Booked > got.Capacity {
					b.Fatalf("capacity exceeded: %d > %d", got.Booked, got.Capacity)
				}
			})
		}
	}
}
