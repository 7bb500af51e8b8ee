package strategy

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// seedSector fills a SQLite store with orgs organisations (profiles and
// wards for the third sector), about members memberships (five a
// partnership, 2010-2025) and grants 360Giving grants, in batched SQL.
func seedSector(b testing.TB, d *db.DB, orgs, members, grants int) {
	ctx := context.Background()
	parts := members / 5
	day := func(expr string) string {
		return `date('2010-01-01', '+' || (` + expr + `) || ' days') || ' 00:00:00+00:00'`
	}
	const ts = `'2026-01-01 00:00:00+00:00'`
	series := func(n int) string {
		return fmt.Sprintf(`WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d) `, n)
	}
	stmts := []string{
		series(orgs) + `INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at)
			SELECT 'sb-' || x, 'sb-' || x, 'Sector organisation ' || x,
				CASE x % 10 WHEN 0 THEN 'public' WHEN 1 THEN 'private' WHEN 2 THEN 'social_enterprise' WHEN 3 THEN 'faith' ELSE 'vcs' END,
				CASE x % 10 WHEN 0 THEN 'public_body' WHEN 1 THEN 'company' WHEN 2 THEN 'cic' WHEN 5 THEN 'cio' ELSE 'charity' END, ` + ts + `, ` + ts + ` FROM c`,
		`INSERT INTO org_profiles (organisation_id, income_band, staff, volunteers, updated_at)
			SELECT id, CASE id % 6 WHEN 0 THEN 'under_10k' WHEN 1 THEN '10k_100k' WHEN 2 THEN '100k_500k' WHEN 3 THEN '500k_1m' WHEN 4 THEN '1m_5m' ELSE '' END,
				id % 40, id % 120, ` + ts + ` FROM organisations`,
		`INSERT INTO org_areas (organisation_id, kind, code) SELECT id, 'ward', 'Ward ' || (id % 300) FROM organisations`,
		series(parts) + fmt.Sprintf(`INSERT INTO partnerships (uuid, slug, name, model, status, start_date, end_date, visibility, origin, created_at, updated_at)
			SELECT 'sbp-' || x, 'sbp-' || x, 'Partnership ' || x,
				CASE x %% 7 WHEN 0 THEN 'informal_network' WHEN 1 THEN 'referral_partnership' WHEN 2 THEN 'joint_project' WHEN 3 THEN 'lead_contractor_consortium'
					WHEN 4 THEN 'hub_and_spoke_consortium' WHEN 5 THEN 'consortium_legal_body' ELSE 'joint_venture' END,
				CASE WHEN x %% 5 < 2 THEN 'ended' ELSE 'active' END, %s, CASE WHEN x %% 5 < 2 THEN %s ELSE NULL END,
				'public', 'other', `+ts+`, `+ts+` FROM c`, day("(x * 7919) % 5800"), day("(x * 7919) % 5800 + 200 + (x % 1500)")),
		fmt.Sprintf(`WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < %d)
			INSERT INTO partnership_members (partnership_id, organisation_id, role, joined_on, left_on, created_at)
			SELECT x / 5 + 1, ((x * 104729 + x / 5 * 31) %% %d) + 1, CASE WHEN x %% 5 = 0 THEN 'lead' ELSE 'member' END,
				CASE WHEN x %% 7 = 3 THEN %s ELSE NULL END, CASE WHEN x %% 11 = 4 THEN %s ELSE NULL END, `+ts+` FROM c`,
			parts*5-1, orgs, day("((x / 5) * 7919) % 5800 + 90"), day("((x / 5) * 7919) % 5800 + 400")),
		series(grants) + fmt.Sprintf(`INSERT INTO grants (identifier, title, currency, amount_minor, award_date, award_year, funder_identifier, funder_name,
				recipient_key, recipient_org_id, match_method, beneficiary_ward, theme_code, content_hash, imported_at, updated_at)
			SELECT '360G-SB-' || x, 'Grant ' || x, CASE WHEN x %% 97 = 0 THEN 'USD' ELSE 'GBP' END, 100000 + (x %% 5000) * 100,
				(2010 + x %% 16) || '-06-01', 2010 + x %% 16, 'GB-CHC-' || (1000 + x %% 40), 'Funder ' || (x %% 40),
				'org-' || (x %% %d), (x * 31) %% %d + 1, 'identifier', CASE WHEN x %% 3 = 0 THEN 'Ward ' || (x %% 300) ELSE '' END, '', 'h', `+ts+`, `+ts+` FROM c`, orgs, orgs),
		`ANALYZE`,
	}
	for _, s := range stmts {
		if err := d.WriteBulk(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, s); return err }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReportYear builds a year's State of the Sector report (every
// chapter, the trends since the strategy began, every measure source) on
// SQLite and prints the time. The national scale (200,000
// organisations, 1,000,000 memberships, 500,000 grants, < 5 s) runs with
// PARTNERHUB_BENCH_LARGE=1; the default is a tenth of it.
//
//	PARTNERHUB_BENCH_LARGE=1 go test -run '^$' -bench ReportYear -benchtime 1x -timeout 30m ./internal/strategy/
func BenchmarkReportYear(b *testing.B) {
	orgs, members, grants := 20000, 100000, 50000
	if os.Getenv("PARTNERHUB_BENCH_LARGE") == "1" {
		orgs, members, grants = 200000, 1000000, 500000
	}
	ctx := context.Background()
	d := dbtest.SQLite(b)
	// PARTNERHUB_BENCH_DB=FILE keeps the generated data in FILE and uses
	// it again next time (seeding national scale takes minutes).
	if path := os.Getenv("PARTNERHUB_BENCH_DB"); path != "" {
		var err error
		if d, err = db.Open(ctx, db.Options{Path: path}); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { d.Close() })
		if _, err := d.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	var have int
	d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&have)
	if have == 0 {
		seedSector(b, d, orgs, members, grants)
	} else {
		orgs = have
	}
	seeded := time.Since(start)
	doc, problems := Parse(seedJSON, nil)
	if len(problems) > 0 {
		b.Fatal(problems)
	}
	if err := d.Write(ctx, func(tx *db.Tx) error { return Replace(ctx, tx, doc, time.Now()) }); err != nil {
		b.Fatal(err)
	}
	st, err := Load(ctx, d.Q())
	if err != nil {
		b.Fatal(err)
	}
	bl := &Builder{Q: d.Q(), StartMonth: time.January, Sources: MeasureSources(), Now: time.Now()}
	var last, cpu time.Duration
	span := ""
	for b.Loop() {
		t0, c0 := time.Now(), cpuTime()
		rep, err := bl.Build(ctx, 2022, st, nil)
		if err != nil {
			b.Fatal(err)
		}
		last, cpu = time.Since(t0), cpuTime()-c0
		ls := rep.Chapter("partnership").Charts[0].Labels
		span = ls[0] + "-" + ls[len(ls)-1]
		if rep.Chapter("size").Figures[0].Value == nil || *rep.Chapter("size").Figures[0].Value != float64(orgs) {
			b.Fatal("the report does not count the organisations")
		}
	}
	b.ReportMetric(last.Seconds(), "s/report")
	b.ReportMetric(cpu.Seconds(), "cpu-s/report")
	// On a shared machine the wall clock counts other processes' turns;
	// the process's CPU time says what the build itself costs.
	fmt.Printf("State of the Sector report for 2022 (trends %s, %d organisations, %d memberships, %d grants) on SQLite: %.2f s wall clock, %.2f CPU s (seeded in %.0f s)\n",
		span, orgs, members, grants, last.Seconds(), cpu.Seconds(), seeded.Seconds())
}

// cpuTime is the CPU time the process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
