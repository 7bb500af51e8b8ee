package partnerships

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"partnerhub/internal/benchkit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// seedScale fills a SQLite store with orgs organisations and about
// members memberships (five per partnership) over 2015-2025, straight in
// batched SQL.
func seedScale(b testing.TB, d *db.DB, orgs, members int) {
	ctx := context.Background()
	parts := members / 5
	day := func(expr string) string {
		return `date('2015-01-01', '+' || (` + expr + `) || ' days') || ' 00:00:00+00:00'`
	}
	stmts := []string{
		fmt.Sprintf(`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d)
			INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at)
			SELECT 'bench-' || x, 'bench-' || x, 'Bench organisation ' || x,
				CASE x %% 10 WHEN 0 THEN 'public' WHEN 1 THEN 'private' WHEN 2 THEN 'social_enterprise' WHEN 3 THEN 'faith' ELSE 'vcs' END,
				CASE x %% 10 WHEN 0 THEN 'public_body' WHEN 1 THEN 'company' ELSE 'charity' END,
				'2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00' FROM c`, orgs),
		fmt.Sprintf(`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d)
			INSERT INTO partnerships (uuid, slug, name, model, status, start_date, end_date, visibility, origin, created_at, updated_at)
			SELECT 'bench-p-' || x, 'bench-p-' || x, 'Bench partnership ' || x,
				CASE x %% 8 WHEN 0 THEN 'informal_network' WHEN 1 THEN 'referral_partnership' WHEN 2 THEN 'joint_project' WHEN 3 THEN 'lead_contractor_consortium'
					WHEN 4 THEN 'hub_and_spoke_consortium' WHEN 5 THEN 'consortium_legal_body' WHEN 6 THEN 'joint_venture' ELSE 'joint_project' END,
				CASE WHEN x %% 5 < 2 THEN 'ended' ELSE 'active' END,
				%s,
				CASE WHEN x %% 5 < 2 THEN %s ELSE NULL END,
				'public', 'other', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00' FROM c`,
			parts, day("(x * 7919) % 3650"), day("(x * 7919) % 3650 + 200 + (x % 1500)")),
		fmt.Sprintf(`WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < %d)
			INSERT INTO partnership_members (partnership_id, organisation_id, role, joined_on, left_on, created_at)
			SELECT x / 5 + 1, ((x * 104729 + x / 5 * 31) %% %d) + 1,
				CASE WHEN x %% 5 = 0 THEN 'lead' ELSE 'member' END,
				CASE WHEN x %% 7 = 3 THEN %s ELSE NULL END,
				CASE WHEN x %% 11 = 4 THEN %s ELSE NULL END,
				'2026-01-01 00:00:00+00:00' FROM c`,
			parts*5-1, orgs, day("((x / 5) * 7919) % 3650 + 90"), day("((x / 5) * 7919) % 3650 + 400")),
		`ANALYZE`,
	}
	for _, s := range stmts {
		if err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, s); return err }); err != nil {
			b.Fatal(err)
		}
	}
}

// seedScalePostgres is seedScale for PostgreSQL: the same organisations,
// partnerships and memberships, each table in one set-wise INSERT ...
// SELECT generate_series, written with the read model's triggers off and
// then backfilled (the month counts' statement triggers, 0234, on: they
// add about a second at 20,000 organisations), and with the organisations'
// search documents written in one statement afterwards (row-by-row
// triggers would make seeding slow; the SQLite seeding measures the read
// model's).
func seedScalePostgres(b testing.TB, d *db.DB, orgs, members int) {
	ctx := context.Background()
	parts := members / 5
	day := func(expr string) string { return `(DATE '2015-01-01' + (` + expr + `)::int)` }
	pauseReadModel(b, d)
	stmts := []string{
		fmt.Sprintf(`INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at)
			SELECT 'bench-' || x, 'bench-' || x, 'Bench organisation ' || x,
				CASE x %% 10 WHEN 0 THEN 'public' WHEN 1 THEN 'private' WHEN 2 THEN 'social_enterprise' WHEN 3 THEN 'faith' ELSE 'vcs' END,
				CASE x %% 10 WHEN 0 THEN 'public_body' WHEN 1 THEN 'company' ELSE 'charity' END,
				TIMESTAMPTZ '2026-01-01 00:00:00+00', TIMESTAMPTZ '2026-01-01 00:00:00+00' FROM generate_series(1, %d) x`, orgs),
		fmt.Sprintf(`INSERT INTO partnerships (uuid, slug, name, model, status, start_date, end_date, visibility, origin, created_at, updated_at)
			SELECT 'bench-p-' || x, 'bench-p-' || x, 'Bench partnership ' || x,
				CASE x %% 8 WHEN 0 THEN 'informal_network' WHEN 1 THEN 'referral_partnership' WHEN 2 THEN 'joint_project' WHEN 3 THEN 'lead_contractor_consortium'
					WHEN 4 THEN 'hub_and_spoke_consortium' WHEN 5 THEN 'consortium_legal_body' WHEN 6 THEN 'joint_venture' ELSE 'joint_project' END,
				CASE WHEN x %% 5 < 2 THEN 'ended' ELSE 'active' END,
				%s,
				CASE WHEN x %% 5 < 2 THEN %s ELSE NULL END,
				'public', 'other', TIMESTAMPTZ '2026-01-01 00:00:00+00', TIMESTAMPTZ '2026-01-01 00:00:00+00' FROM generate_series(1, %d::bigint) x`,
			day("(x * 7919) % 3650"), day("(x * 7919) % 3650 + 200 + (x % 1500)"), parts),
		fmt.Sprintf(`INSERT INTO partnership_members (partnership_id, organisation_id, role, joined_on, left_on, created_at)
			SELECT x / 5 + 1, ((x * 104729 + x / 5 * 31) %% %d) + 1,
				CASE WHEN x %% 5 = 0 THEN 'lead' ELSE 'member' END,
				CASE WHEN x %% 7 = 3 THEN %s ELSE NULL END,
				CASE WHEN x %% 11 = 4 THEN %s ELSE NULL END,
				TIMESTAMPTZ '2026-01-01 00:00:00+00' FROM generate_series(0, %d::bigint) x`,
			orgs, day("((x / 5) * 7919) % 3650 + 90"), day("((x / 5) * 7919) % 3650 + 400"), parts*5-1),
	}
	for i, s := range stmts {
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if i == 0 {
				// The organisations' search documents are written
				// afterwards in one statement, not by the insert
				// trigger a row at a time (migration 0128; it made
				// seeding national scale take over half an hour).
				if _, err := tx.ExecContext(ctx, `SELECT set_config('partnerhub.directory_bulk', 'on', true)`); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, s)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := d.W().ExecContext(ctx, `SELECT org_search_write(ARRAY(SELECT id FROM organisations))`); err != nil {
		b.Fatal(err)
	}
	backfillReadModel(b, d)
	// VACUUM as well: autovacuum (off on the test server) would have set
	// the visibility map of a settled database, which lets the measures'
	// counts read their indexes alone.
	if _, err := d.W().ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMeasuresYear times one year's measures with the year before
// (what the API and the dashboard's figures compute) and the dashboard's
// ten-year series, at 20,000 organisations and 100,000 memberships and,
// with PARTNERHUB_BENCH_LARGE=1, at national scale too (200,000
// organisations, 1,000,000 memberships; the target is under 200 ms a year
// and 1 s for the series), then prints how much the time grew against the
// data. On SQLite the seeding goes through the read model's triggers, so
// its time per membership is what they add to a write (not in a kept
// database, seeded as on PostgreSQL). With
// PARTNERHUB_TEST_POSTGRES_URL set, PostgreSQL too (seeded with the
// triggers off, then the migration's backfill).
//
// Seeding national scale takes minutes: PARTNERHUB_BENCH_DB_DIR=DIR keeps
// the SQLite files there and the PostgreSQL schemas (bench_measures_N)
// for later runs (see dbtest.Kept). PARTNERHUB_BENCH_CPUPROFILE=PREFIX
// writes a CPU profile of each measured loop alone (the seeding left out)
// to PREFIX-DB-N-year.pprof and PREFIX-DB-N-series.pprof.
//
//	PARTNERHUB_BENCH_DB_DIR=/tmp/bench PARTNERHUB_BENCH_LARGE=1 go test -run '^$' -bench MeasuresYear -benchtime 5x ./internal/partnerships/
func BenchmarkMeasuresYear(b *testing.B) {
	sizes := [][2]int{{20000, 100000}}
	if os.Getenv("PARTNERHUB_BENCH_LARGE") == "1" {
		sizes = append(sizes, [2]int{200000, 1000000})
	}
	ctx := context.Background()
	// perOp is a measured loop's wall and CPU time per operation.
	type perOp struct{ wall, cpu time.Duration }
	measure := func(b *testing.B, profile string, op func() error) perOp {
		if prefix := os.Getenv("PARTNERHUB_BENCH_CPUPROFILE"); prefix != "" {
			f, err := os.Create(prefix + "-" + profile + ".pprof")
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				b.Fatal(err)
			}
			defer pprof.StopCPUProfile()
		}
		c0 := benchkit.CPUTime()
		for b.Loop() {
			if err := op(); err != nil {
				b.Fatal(err)
			}
		}
		r := perOp{b.Elapsed() / time.Duration(b.N), (benchkit.CPUTime() - c0) / time.Duration(b.N)}
		b.ReportMetric(float64(r.wall.Microseconds())/1000, "ms/op")
		b.ReportMetric(float64(r.cpu.Microseconds())/1000, "cpu-ms/op")
		return r
	}
	run := func(b *testing.B, dbName, base string, seed func(testing.TB, *db.DB, int, int)) {
		// b.Run calls each function more than once (b.N of 1 first): the
		// last call, the measured one, is kept.
		year, series := make([]perOp, len(sizes)), make([]perOp, len(sizes))
		for k, sz := range sizes {
			orgs, members := sz[0], sz[1]
			name := fmt.Sprintf("orgs=%d", orgs)
			if dbName != "sqlite" {
				name = dbName + "/" + name
			}
			// Each size's database is opened (and seeded) in its own
			// sub-benchmark, so that -bench skips the ones it does not run.
			b.Run(name, func(b *testing.B) {
				d, kept := dbtest.Kept(b, base, fmt.Sprintf("measures_%d", orgs))
				var haveOrgs, haveMembers int
				if err := d.Q().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM organisations), (SELECT COUNT(*) FROM partnership_members)`).Scan(&haveOrgs, &haveMembers); err != nil {
					b.Fatal(err)
				}
				var seeded time.Duration
				switch {
				case haveOrgs == orgs && haveMembers == members && kept:
					b.Logf("%s: reusing the kept %d organisations and %d memberships", dbName, orgs, members)
				case haveOrgs == 0 && haveMembers == 0:
					start := time.Now()
					if kept && base == "" {
						// A kept database is for measuring reads: seeded
						// as on PostgreSQL, the read model's triggers off
						// and then backfilled (minutes instead of most of
						// an hour at national scale on a busy machine).
						pauseReadModel(b, d)
						seedScale(b, d, orgs, members)
						backfillReadModel(b, d)
					} else {
						seed(b, d, orgs, members)
					}
					seeded = time.Since(start)
					b.Logf("%s: seeded %d organisations and %d memberships in %s", dbName, orgs, members, seeded.Round(time.Millisecond))
				default:
					b.Fatalf("%s: the kept database measures_%d holds %d organisations and %d memberships, not %d and %d: remove it", dbName, orgs, haveOrgs, haveMembers, orgs, members)
				}
				rep, err := Measure(ctx, d.Q(), 2022, time.January)
				if err != nil {
					b.Fatal(err)
				}
				if rep.Now.OrganisationsInPartnership == 0 || rep.Now.PartnershipsActive == 0 || rep.Now.PublicThird == 0 || rep.Now.FirstTimePartners == 0 {
					b.Fatalf("the generated data gave empty measures: %+v", rep.Now)
				}
				tag := fmt.Sprintf("%s-%d", dbName, orgs)
				b.Run("year", func(b *testing.B) {
					year[k] = measure(b, tag+"-year", func() error { _, err := Measure(ctx, d.Q(), 2022, time.January); return err })
					b.ReportMetric(float64(members), "memberships")
					if seeded > 0 {
						b.ReportMetric(seeded.Seconds(), "s/seed")
					}
				})
				b.Run("series-10y", func(b *testing.B) {
					series[k] = measure(b, tag+"-series", func() error { _, err := Series(ctx, d.Q(), 2016, 2025, time.January); return err })
					if k == 1 && year[0].cpu > 0 && series[0].cpu > 0 {
						// How the CPU time grew from the first size to this
						// one, beside how the data grew.
						b.ReportMetric(float64(members)/float64(sizes[0][1]), "x-data")
						b.ReportMetric(float64(year[1].cpu)/float64(year[0].cpu), "x-year-cpu")
						b.ReportMetric(float64(series[1].cpu)/float64(series[0].cpu), "x-series-cpu")
					}
				})
			})
		}
		if len(sizes) == 2 && year[0].cpu > 0 && year[1].cpu > 0 && series[0].cpu > 0 && series[1].cpu > 0 {
			data := float64(sizes[1][1]) / float64(sizes[0][1])
			y0, y1, s0, s1 := year[0], year[1], series[0], series[1]
			ratio := func(a, b time.Duration) float64 { return float64(b) / float64(a) }
			b.Logf("%s: %.0fx the data: a year's measures %.1fx the wall time (%.1fx the CPU), the ten-year series %.1fx (%.1fx the CPU)",
				dbName, data, ratio(y0.wall, y1.wall), ratio(y0.cpu, y1.cpu), ratio(s0.wall, s1.wall), ratio(s0.cpu, s1.cpu))
		}
	}
	run(b, "sqlite", "", func(tb testing.TB, d *db.DB, o, m int) { seedScale(tb, d, o, m) })
	if u := dbtest.PostgresURL(b); u != "" {
		run(b, "postgres", u, seedScalePostgres)
	}
}

// BenchmarkMeasuresWrite is what the read model's triggers add to a write:
// one membership added (its own transaction) to a store of 20,000
// memberships, and one partnership's dates changed (its five members'
// organisations recomputed), with and without the read model, on SQLite
// and, when configured, PostgreSQL.
func BenchmarkMeasuresWrite(b *testing.B) {
	const orgs, members = 4000, 20000
	ctx := context.Background()
	run := func(b *testing.B, d *db.DB, prefix string) {
		exec := func(q string, args ...any) {
			if err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err }); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(prefix+"add-membership", func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				exec(`INSERT INTO partnership_members (partnership_id, organisation_id, role, joined_on, created_at) VALUES ($1, $2, 'member', $3, $4)`,
					1+(i*37)%(members/5), 1+(i*101)%orgs, Date(2016+i%8, 3, 1), db.Now())
			}
		})
		b.Run(prefix+"change-partnership-dates", func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				exec(`UPDATE partnerships SET start_date = $1 WHERE id = $2`, Date(2015+i%5, time.Month(1+i%12), 1), 1+(i*53)%(members/5))
			}
		})
	}
	run(b, func() *db.DB { d := dbtest.SQLite(b); seedScale(b, d, orgs, members); return d }(), "")
	// The same writes without the read model, for comparison.
	run(b, func() *db.DB { d := dbtest.SQLite(b); pauseReadModel(b, d); seedScale(b, d, orgs, members); return d }(), "without-read-model/")
	if u := dbtest.PostgresURL(b); u != "" {
		d := dbtest.Postgres(b, u)
		seedScalePostgres(b, d, orgs, members)
		run(b, d, "postgres-without-read-model/")
		for _, s := range readModelTriggersPostgres("ENABLE") {
			if _, err := d.W().ExecContext(ctx, s); err != nil {
				b.Fatal(err)
			}
		}
		run(b, d, "postgres-")
	}
}
