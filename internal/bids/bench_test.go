package bids_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/bids"
	"partnerhub/internal/db"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/testkit"
)

// Benchmarks of the bids feature (they print figures; nothing asserts a
// time):
//
//	go test -run '^$' -bench . -benchtime 200x ./internal/bids/
//	PARTNERHUB_BENCH_ORGS=20000 go test -run '^$' -bench Cover -benchtime 200x ./internal/bids/
//	PARTNERHUB_BENCH_LARGE=1 go test -run '^$' -bench . -benchtime 20x -timeout 30m ./internal/bids/
//
// PARTNERHUB_BENCH_DB_DIR=DIR keeps the cover matrix's generated town in
// DIR and reuses it in later runs.
//
// BenchmarkCoverMatrix: the cover matrix of a 12-member consortium bid
// against a 30-requirement opportunity, with partner-finder suggestions for
// every gap, on the demo town of 300 organisations (PARTNERHUB_BENCH_ORGS=N
// for N, 200,000 with PARTNERHUB_BENCH_LARGE=1). Metrics p50-ms and p99-ms,
// and beside them the bare SQL it runs (coverBareSQL, timed after each
// iteration): bare-p50-ms, bare-p99-ms and the ratios x-p50, x-p99.
// BenchmarkImpactYear: one year's consortium impact (Impact for one year:
// bids, success rates with and without the Quality Mark and readiness,
// value, contracts delivering, survival, Quality Marks held) over 2,000
// consortia and 10,000 bids (20,000 and 100,000 with
// PARTNERHUB_BENCH_LARGE=1) on SQLite.

func large() bool { return os.Getenv("PARTNERHUB_BENCH_LARGE") == "1" }

func openBenchDB(b *testing.B, name string) *db.DB {
	b.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{Path: filepath.Join(b.TempDir(), name)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return d
}

func percentiles(ds []time.Duration) (p50, p99 float64) {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(p float64) float64 {
		i := int(p*float64(len(ds))+0.999999) - 1
		i = max(0, min(i, len(ds)-1))
		return float64(ds[i].Microseconds()) / 1000
	}
	return at(0.50), at(0.99)
}

func BenchmarkCoverMatrix(b *testing.B) {
	n := 300
	if large() {
		n = 200000
	} else if v, err := strconv.Atoi(os.Getenv("PARTNERHUB_BENCH_ORGS")); err == nil && v > 300 {
		n = v
	}
	ctx := context.Background()
	d, fresh := openTownDB(b, fmt.Sprintf("cover-%d.db", n))
	if fresh {
		t0 := time.Now()
		if _, err := testkit.Generate(ctx, d, testkit.Options{Seed: 1, Orgs: n}); err != nil {
			b.Fatal(err)
		}
		b.Logf("town of %d organisations generated in %s", n, time.Since(t0).Round(time.Millisecond))
	}
	var buyer int64
	if err := d.Q().QueryRowContext(ctx, `SELECT id FROM organisations WHERE sector = 'public' ORDER BY id LIMIT 1`).Scan(&buyer); err != nil {
		b.Fatal(err)
	}
	// 30 requirements: services, client groups and themes from the
	// taxonomy, wards, policies and readiness; mandatory and desirable.
	var reqs []opportunities.Requirement
	rows, err := d.Q().QueryContext(ctx, `SELECT vocabulary, code FROM taxonomy_terms WHERE NOT retired ORDER BY vocabulary, position LIMIT 22`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var v, c string
		if err := rows.Scan(&v, &c); err != nil {
			b.Fatal(err)
		}
		reqs = append(reqs, opportunities.Requirement{Kind: v, Code: c, Mandatory: len(reqs)%2 == 0})
	}
	rows.Close()
	for _, w := range []string{"Talbot", "Bloomfield", "Claremont"} {
		reqs = append(reqs, opportunities.Requirement{Kind: opportunities.ReqWard, Code: w})
	}
	for _, p := range []string{"safeguarding", "data_protection", "health_safety", "equality_diversity"} {
		reqs = append(reqs, opportunities.Requirement{Kind: opportunities.ReqPolicy, Code: p, Mandatory: true})
	}
	reqs = append(reqs, opportunities.Requirement{Kind: opportunities.ReqReadiness, Code: opportunities.ReadinessCode, Mandatory: true})
	closes := time.Now().AddDate(0, 1, 0)
	o := &opportunities.Opportunity{Kind: opportunities.KindTender, Title: "Bench tender", BuyerID: buyer, SubmissionDeadline: &closes, Requirements: reqs}
	st := &opportunities.Store{}
	if err := d.Write(ctx, func(tx *db.Tx) error {
		if err := st.Create(ctx, tx, o, 0); err != nil {
			return err
		}
		return st.Publish(ctx, tx, o.ID, 0)
	}); err != nil {
		b.Fatal(err)
	}
	o, err = opportunities.GetByID(ctx, d.Q(), o.ID)
	if err != nil {
		b.Fatal(err)
	}
	orgs, err := db.Column[int64](ctx, d.Q(), `SELECT id FROM organisations WHERE sector = 'vcs' ORDER BY id LIMIT 12`)
	if err != nil || len(orgs) < 12 {
		b.Fatalf("12 members: %v %d", err, len(orgs))
	}
	var bidID int64
	if err := d.Write(ctx, func(tx *db.Tx) error {
		bd, err := bids.Create(ctx, tx, bids.NewBid{OpportunityID: o.ID, LeadOrgID: orgs[0], Mode: "new", ConsortiumName: "Bench consortium", Model: "lead_contractor_consortium"}, 0, time.Now())
		if err != nil {
			return err
		}
		bidID = bd.ID
		for _, m := range orgs[1:] {
			if _, err := bids.AddMember(ctx, tx, bd.ID, m, bids.RoleMember, time.Now()); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	var ds, bare []time.Duration
	gaps, sugg := 0, 0
	var c *bids.Cover
	op := func() {
		bd, err := bids.Get(ctx, d.Q(), bidID)
		if err != nil {
			b.Fatal(err)
		}
		c, err = bids.ComputeCover(ctx, d.Q(), bd, o, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if err := bids.Suggest(ctx, d.Q(), d.Dialect, c, []int64{buyer}, 3, false); err != nil {
			b.Fatal(err)
		}
	}
	op() // warm the page cache, the plans and the taxonomy, as a running server has them
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		op()
		ds = append(ds, time.Since(t))
		gaps, sugg = len(c.Gaps), 0
		for _, g := range c.Gaps {
			sugg += len(g.Suggestions)
		}
		b.StopTimer()
		t = time.Now()
		if err := coverBareSQL(ctx, d, bidID, orgs, c); err != nil {
			b.Fatal(err)
		}
		bare = append(bare, time.Since(t))
		b.StartTimer()
	}
	b.StopTimer()
	p50, p99 := percentiles(ds)
	bp50, bp99 := percentiles(bare)
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(bp50, "bare-p50-ms")
	b.ReportMetric(bp99, "bare-p99-ms")
	b.ReportMetric(p50/bp50, "x-p50")
	b.ReportMetric(p99/bp99, "x-p99")
	b.ReportMetric(float64(gaps), "gaps")
	b.ReportMetric(float64(sugg), "suggestions")
	b.Logf("orgs=%d members=12 requirements=%d gaps=%d suggestions=%d p50=%.2fms p99=%.2fms bare SQL p50=%.2fms p99=%.2fms (x%.1f, x%.1f)",
		n, len(bids.Requirements(o, 0)), gaps, sugg, p50, p99, bp50, bp99, p50/bp50, p99/bp99)
}

// openTownDB opens a benchmark database; with PARTNERHUB_BENCH_DB_DIR set
// it is kept there and a later run reuses its town (fresh is false then:
// generating 200,000 organisations takes longer than measuring them).
func openTownDB(b *testing.B, name string) (d *db.DB, fresh bool) {
	dir := os.Getenv("PARTNERHUB_BENCH_DB_DIR")
	if dir == "" {
		return openBenchDB(b, name), true
	}
	path := filepath.Join(dir, name)
	_, err := os.Stat(path)
	fresh = err != nil
	ctx := context.Background()
	d, err = db.Open(ctx, db.Options{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return d, fresh
}

// coverBareSQL runs the bare SQL of one cover matrix with its gap
// suggestions on SQLite, reading every row and doing nothing with it: the
// bid and its members, the members' profiles (six queries), each gap's
// first candidate query (its filter token in org_fts, as the finder's
// first tier asks it) and the candidates' details (seven queries over the
// union of the gaps' candidates).
func coverBareSQL(ctx context.Context, d *db.DB, bidID int64, members []int64, c *bids.Cover) error {
	q := d.Q()
	drain := func(query string, args ...any) ([]int64, error) {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		var first []int64
		for rows.Next() {
			if err := rows.Scan(vals...); err != nil {
				return nil, err
			}
			if v, ok := (*vals[0].(*any)).(int64); ok {
				first = append(first, v)
			}
		}
		return first, rows.Err()
	}
	in := func(ids []int64) string {
		s := make([]string, len(ids))
		for i, id := range ids {
			s[i] = strconv.FormatInt(id, 10)
		}
		return strings.Join(s, ",")
	}
	if _, err := drain(`SELECT * FROM bids WHERE id = $1`, bidID); err != nil {
		return err
	}
	if _, err := drain(`SELECT m.*, o.name FROM bid_members m JOIN organisations o ON o.id = m.organisation_id WHERE m.bid_id = $1`, bidID); err != nil {
		return err
	}
	ms := in(members)
	for _, query := range []string{
		`SELECT id, sector FROM organisations WHERE id IN (` + ms + `)`,
		`SELECT organisation_id, term_id FROM org_terms WHERE organisation_id IN (` + ms + `)`,
		`SELECT organisation_id, kind, code FROM org_areas WHERE organisation_id IN (` + ms + `)`,
		`SELECT organisation_id, kind, review_date FROM org_policies WHERE organisation_id IN (` + ms + `)`,
		`SELECT organisation_id, name, expires_on FROM org_quality_marks WHERE organisation_id IN (` + ms + `)`,
		`SELECT organisation_id, valid_until, revoked_at FROM org_badges WHERE kind = 'commissioning_ready' AND organisation_id IN (` + ms + `)`,
	} {
		if _, err := drain(query); err != nil {
			return err
		}
	}
	seen := map[int64]bool{}
	var union []int64
	for _, g := range c.Gaps {
		var token string
		switch r := g.Row.Req; r.Kind {
		case opportunities.ReqService, opportunities.ReqClientGroup, opportunities.ReqTheme:
			token = "zzt" + strconv.FormatInt(r.TermID, 10)
		case opportunities.ReqWard:
			token = "zzw" + strings.ToLower(strings.ReplaceAll(r.Code, " ", ""))
		default:
			continue
		}
		// 30 candidates a gap: 3 suggestions times the bids feature's gapPool.
		ids, err := drain(`SELECT rowid FROM org_fts WHERE org_fts MATCH $1 ORDER BY rowid LIMIT $2`, `"`+token+`" NOT "zzunlisted"`, 30+len(members)+1)
		if err != nil {
			return err
		}
		kept := 0
		for _, id := range ids {
			if slices.Contains(members, id) || kept == 30 {
				continue
			}
			kept++
			if !seen[id] {
				seen[id] = true
				union = append(union, id)
			}
		}
	}
	if len(union) == 0 {
		return nil
	}
	for _, part := range [][]int64{union[:len(union)/2], union[len(union)/2:]} {
		us := in(part)
		for _, query := range []string{
			`SELECT id, uuid, slug, name, sector, legal_form, created_at, updated_at FROM organisations WHERE id IN (` + us + `)`,
			`SELECT organisation_id, term_id FROM org_terms WHERE organisation_id IN (` + us + `)`,
			`SELECT organisation_id, kind, code FROM org_areas WHERE organisation_id IN (` + us + `)`,
			`SELECT organisation_id, COUNT(*), SUM(CASE WHEN review_date IS NULL OR review_date <= '` + time.Now().AddDate(0, 0, 30).Format(time.DateOnly) + `' THEN 1 ELSE 0 END) FROM org_policies WHERE organisation_id IN (` + us + `) GROUP BY organisation_id`,
			`SELECT organisation_id, name, level FROM org_quality_marks WHERE organisation_id IN (` + us + `) ORDER BY name`,
			`SELECT organisation_id, COUNT(DISTINCT partnership_id) FROM partnership_members WHERE organisation_id IN (` + us + `) GROUP BY organisation_id`,
			`SELECT DISTINCT organisation_id FROM org_badges WHERE kind = 'commissioning_ready' AND revoked_at IS NULL AND organisation_id IN (` + us + `)`,
		} {
			if _, err := drain(query); err != nil {
				return err
			}
		}
	}
	return nil
}

func BenchmarkImpactYear(b *testing.B) {
	nCons, nBids := 2000, 10000
	if large() {
		nCons, nBids = 20000, 100000
	}
	ctx := context.Background()
	d := openBenchDB(b, "impact.db")
	t0 := time.Now()
	year := time.Now().Year() - 1
	err := d.WriteBulk(ctx, func(tx *db.Tx) error {
		now := time.Now().UTC()
		ins := func(q string, args ...any) error { _, err := tx.ExecContext(ctx, q, args...); return err }
		if err := ins(`INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at) VALUES ($1,'buyer','Buyer','public','public_body',$2,$2)`, uuid.NewString(), now); err != nil {
			return err
		}
		for i := 1; i <= nCons*2; i++ {
			if err := ins(`INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at) VALUES ($1,$2,$2,'vcs','charity',$3,$3)`, uuid.NewString(), fmt.Sprintf("org-%d", i), now); err != nil {
				return err
			}
		}
		for i := 1; i <= 500; i++ {
			if err := ins(`INSERT INTO opportunities (uuid, slug, ocid, kind, status, title, buyer_org_id, created_at, updated_at) VALUES ($1,$2,$2,'tender','awarded',$2,1,$3,$3)`, uuid.NewString(), fmt.Sprintf("opp-%d", i), now); err != nil {
				return err
			}
		}
		for i := 1; i <= nCons; i++ {
			start := time.Date(year-8+i%10, time.Month(1+i%12), 1, 0, 0, 0, 0, time.UTC)
			var end any
			if i%4 == 0 {
				end = start.AddDate(1+i%3, 0, 0)
			}
			if err := ins(`INSERT INTO partnerships (uuid, slug, name, model, status, start_date, end_date, visibility, origin, created_at, updated_at) VALUES ($1,$2,$2,'lead_contractor_consortium','active',$3,$4,'public','other',$5,$5)`,
				uuid.NewString(), fmt.Sprintf("c-%d", i), start, end, now); err != nil {
				return err
			}
			if i%3 == 0 {
				if err := ins(`INSERT INTO assess_awards (assessment_id, kind, subject_type, subject_id, result, label, awarded_on, valid_until) VALUES (0,'quality_mark','partnership',$1,'pass','Quality Mark',$2,$3)`, i, start, start.AddDate(3, 0, 0)); err != nil {
					return err
				}
			}
		}
		statuses := []string{"won", "lost", "lost", "submitted", "won"}
		for i := 1; i <= nBids; i++ {
			p := 1 + i%nCons
			lead := 1 + p
			at := time.Date(year-9+i%10, time.Month(1+i%12), 1+i%27, 10, 0, 0, 0, time.UTC)
			status := statuses[(i/10)%len(statuses)]
			var val any
			if status == "won" {
				val = int64(100000_00 + i)
			}
			if err := ins(`INSERT INTO bids (uuid, opportunity_id, lot_key, lead_org_id, partnership_id, bidder_key, status, title, submitted_at, value_awarded_pence, created_at, updated_at) VALUES ($1,$2,0,$3,$4,$5,$6,'bid',$7,$8,$7,$7)`,
				uuid.NewString(), 1+i%500, lead, p, fmt.Sprintf("p%d-%d", p, i), status, at, val); err != nil {
				return err
			}
			for _, m := range []int{lead, 1 + nCons + p} {
				if err := ins(`INSERT INTO bid_members (bid_id, organisation_id, role, signoff, invited_at) VALUES ($1,$2,'member','accepted',$3)`, i, m, at); err != nil {
					return err
				}
			}
			if status == "won" {
				if err := ins(`INSERT INTO bid_contracts (bid_id, partnership_id, value_pence, start_date, end_date) VALUES ($1,$2,$3,$4,$5)`, i, p, val, at, at.AddDate(3, 0, 0)); err != nil {
					return err
				}
			}
		}
		for i := 2; i <= nCons*2; i += 3 {
			if err := ins(`INSERT INTO org_badges (organisation_id, kind, label, awarded_on, valid_until) VALUES ($1,'commissioning_ready','Commissioning ready',$2,$3)`, i, time.Date(year-3, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := d.W().ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d consortia and %d bids written in %s", nCons, nBids, time.Since(t0).Round(time.Millisecond))
	var ds []time.Duration
	var row bids.YearRow
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		rows, err := bids.Impact(ctx, d.Q(), 0, year, year, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t))
		row = rows[0]
	}
	b.StopTimer()
	p50, p99 := percentiles(ds)
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.Logf("year %d: consortia=%d bids=%d submitted=%d won=%d rate=%.1f%% QM=%.1f%% noQM=%.1f%% delivering=%d formed=%d p50=%.1fms p99=%.1fms",
		year, nCons, nBids, row.Submitted, row.Won, row.Success().Pct(), row.QM.Pct(), row.NoQM.Pct(), row.Delivering, row.Formed, p50, p99)
}
