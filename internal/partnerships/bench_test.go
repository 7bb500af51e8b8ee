package partnerships

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

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
// partnerships and memberships, written with the read model's triggers off
// and then backfilled (row-by-row triggers would make seeding slow; the
// SQLite seeding measures them).
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
	for _, s := range stmts {
		if err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, s); return err }); err != nil {
			b.Fatal(err)
		}
	}
	backfillReadModel(b, d)
	if _, err := d.W().ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMeasuresYear times one year's measures with the year before
// (what the API and the dashboard's figures compute) and the dashboard's
// ten-year series: 20,000 organisations and 100,000 memberships by default;
// PARTNERHUB_BENCH_LARGE=1 for national scale (200,000 organisations,
// 1,000,000 memberships; the target is under one second a year on
// SQLite). On SQLite the seeding goes through the read model's triggers,
// so its time per membership is what they add to a write. With
// PARTNERHUB_TEST_POSTGRES_URL set, PostgreSQL too (seeded with the
// triggers off, then the migration's backfill).
//
//	go test -run '^$' -bench MeasuresYear -benchtime 1x ./internal/partnerships/
func BenchmarkMeasuresYear(b *testing.B) {
	orgs, members := 20000, 100000
	if os.Getenv("PARTNERHUB_BENCH_LARGE") == "1" {
		orgs, members = 200000, 1000000
	}
	run := func(b *testing.B, d *db.DB, prefix string, seed func(testing.TB, *db.DB, int, int)) {
		start := time.Now()
		seed(b, d, orgs, members)
		seeded := time.Since(start)
		ctx := context.Background()
		rep, err := Measure(ctx, d.Q(), 2022, time.January)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Now.OrganisationsInPartnership == 0 || rep.Now.PartnershipsActive == 0 || rep.Now.PublicThird == 0 || rep.Now.FirstTimePartners == 0 {
			b.Fatalf("the generated data gave empty measures: %+v", rep.Now)
		}
		b.Run(prefix+"year", func(b *testing.B) {
			for b.Loop() {
				if _, err := Measure(ctx, d.Q(), 2022, time.January); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/year-measures")
			b.ReportMetric(float64(members), "memberships")
			b.ReportMetric(seeded.Seconds(), "s/seed")
		})
		b.Run(prefix+"series-10y", func(b *testing.B) {
			for b.Loop() {
				if _, err := Series(ctx, d.Q(), 2016, 2025, time.January); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/10y-series")
		})
	}
	run(b, dbtest.SQLite(b), "", func(tb testing.TB, d *db.DB, o, m int) { seedScale(tb, d, o, m) })
	if u := dbtest.PostgresURL(b); u != "" {
		run(b, dbtest.Postgres(b, u), "postgres-", seedScalePostgres)
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
		for _, s := range []string{
			`ALTER TABLE partnerships ENABLE TRIGGER partnerships_counted`,
			`ALTER TABLE partnerships ENABLE TRIGGER partnerships_counted_upd`,
			`ALTER TABLE partnership_members ENABLE TRIGGER partnership_members_cover`,
			`ALTER TABLE organisations ENABLE TRIGGER organisations_cover`,
		} {
			if _, err := d.W().ExecContext(ctx, s); err != nil {
				b.Fatal(err)
			}
		}
		run(b, d, "postgres-")
	}
}
