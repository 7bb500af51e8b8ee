package partnerships_test

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/partnerships"
	"partnerhub/internal/testkit"
)

// BenchmarkNetworkMap serves /network-map (the page: data, layout, SVG and
// tables) through the whole handler, for the demo town and, with
// PARTNERHUB_BENCH_LARGE=1, at national scale (200,000 organisations,
// 1,000,000 memberships). "after-write" changes a partnership before each
// request, so every request computes the map afresh (what every request
// cost before the map was cached); "repeat" asks again with nothing
// changed. Each prints p50 and p99 in ms and the page's size.
//
//	go test -run '^$' -bench NetworkMap -benchtime 50x ./internal/partnerships/
func BenchmarkNetworkMap(b *testing.B) {
	ctx := context.Background()
	town := dbtest.SQLite(b)
	if _, err := testkit.Generate(ctx, town, testkit.Options{Seed: 2009, Orgs: 300, Hasher: accounts.FastHasher}); err != nil {
		b.Fatal(err)
	}
	benchNetworkMap(b, "town-", town)
	if os.Getenv("PARTNERHUB_BENCH_LARGE") == "1" {
		large := dbtest.SQLite(b)
		partnerships.SeedScale(b, large, 200000, 1000000)
		benchNetworkMap(b, "200k-", large)
	}
}

func benchNetworkMap(b *testing.B, prefix string, d *db.DB) {
	env := apptest.New(b, d)
	anon := env.Anon()
	// touch is a change to the map's data: it moves the data version as
	// the partnerships store does.
	touch := func() {
		if _, err := d.W().ExecContext(env.Ctx, `UPDATE partnerships SET updated_at = $1 WHERE id = (SELECT MIN(id) FROM partnerships)`, db.Now()); err != nil {
			b.Fatal(err)
		}
		if err := db.BumpVersion(env.Ctx, d.W(), db.VersionNetwork); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		name  string
		path  string
		write bool
	}{
		{"after-write", "/network-map", true},
		{"repeat", "/network-map", false},
		{"year-after-write", "/network-map?year=2022", true},
		{"year-repeat", "/network-map?year=2022", false},
	} {
		b.Run(prefix+c.name, func(b *testing.B) {
			var lat []time.Duration
			size := 0
			for b.Loop() {
				if c.write {
					touch()
				}
				start := time.Now()
				res := anon.Get(c.path)
				lat = append(lat, time.Since(start))
				if res.Code != 200 {
					b.Fatalf("%s: %d", c.path, res.Code)
				}
				size = len(res.Body)
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			ms := func(p float64) float64 {
				i := int(p*float64(len(lat))+0.999999) - 1
				return float64(lat[max(0, min(i, len(lat)-1))].Microseconds()) / 1000
			}
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
			b.ReportMetric(float64(size)/1024, "KB/page")
		})
	}
}
