package partnerships

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// The measures' read model (migrations 0220/0221) is checked two ways after
// every kind of write: the tables against an independent computation in Go
// from the base records, and the measures of every year against the
// reference computation.

type gap struct{ After, Before int64 }

type cover struct {
	First, Last int64
	Gaps        []gap
}

// coverOf merges spans into first day, last day and the uncovered gaps.
func coverOf(spans [][2]int64) cover {
	sort.Slice(spans, func(i, j int) bool {
		if spans[i][0] != spans[j][0] {
			return spans[i][0] < spans[j][0]
		}
		return spans[i][1] < spans[j][1]
	})
	c := cover{First: spans[0][0], Last: spans[0][1]}
	for _, s := range spans[1:] {
		if c.Last < s[0] {
			c.Gaps = append(c.Gaps, gap{c.Last, s[0]})
		}
		c.Last = max(c.Last, s[1])
	}
	return c
}

func kindOf(sector string) string {
	switch {
	case isThird(sector):
		return "t"
	case sector == "public":
		return "u"
	case sector == "private":
		return "v"
	}
	return ""
}

// readModel is the content of the four read-model tables.
type readModel struct {
	Orgs     map[int64]cover
	Counted  map[int64][4]int64  // partnership: consortium, start, end, model index
	Pairs    map[string][2]int64 // "pid/pair"
	PairGaps map[string][]gap    // "pid/kind"
}

// expectedModel computes the read model from the base records in Go.
func expectedModel(ps []PartnershipRec, ms []MemberRec) readModel {
	byID := map[int64]PartnershipRec{}
	for _, p := range ps {
		if p.counted() {
			byID[p.ID] = p
		}
	}
	orgSpans := map[int64][][2]int64{}
	kindSpans := map[string][][2]int64{}
	for _, m := range ms {
		p, ok := byID[m.PartnershipID]
		if !ok {
			continue
		}
		s, e, ok := effective(p, m)
		if !ok {
			continue
		}
		span := [2]int64{dayNum(s), foreverDay}
		if e != nil {
			span[1] = dayNum(*e)
		}
		k := kindOf(m.Sector)
		if k == "t" {
			orgSpans[m.OrgID] = append(orgSpans[m.OrgID], span)
		}
		if k != "" {
			key := fmt.Sprintf("%d/%s", p.ID, k)
			kindSpans[key] = append(kindSpans[key], span)
		}
	}
	rm := newReadModel()
	for _, p := range byID {
		c := [4]int64{0, dayNum(*p.Start), foreverDay, int64(modelIndex(p.Model))}
		if IsConsortium(p.Model) {
			c[0] = 1
		}
		if p.End != nil {
			c[2] = dayNum(*p.End)
		}
		rm.Counted[p.ID] = c
	}
	for org, sp := range orgSpans {
		rm.Orgs[org] = coverOf(sp)
	}
	covers := map[string]cover{}
	for key, sp := range kindSpans {
		covers[key] = coverOf(sp)
		if g := covers[key].Gaps; len(g) > 0 {
			rm.PairGaps[key] = g
		}
	}
	for _, p := range byID {
		t, ok := covers[fmt.Sprintf("%d/t", p.ID)]
		if !ok {
			continue
		}
		for _, k := range []string{"u", "v"} {
			if c, ok := covers[fmt.Sprintf("%d/%s", p.ID, k)]; ok {
				rm.Pairs[fmt.Sprintf("%d/%s", p.ID, k)] = [2]int64{max(t.First, c.First), min(t.Last, c.Last)}
			}
		}
	}
	return rm
}

func newReadModel() readModel {
	return readModel{Orgs: map[int64]cover{}, Counted: map[int64][4]int64{}, Pairs: map[string][2]int64{}, PairGaps: map[string][]gap{}}
}

func modelIndex(m string) int {
	for i, x := range Models {
		if x == m {
			return i
		}
	}
	return -1
}

// storedModel reads the read-model tables.
func storedModel(t *testing.T, q db.Querier) readModel {
	t.Helper()
	ctx := context.Background()
	rm := newReadModel()
	rows, err := q.QueryContext(ctx, `SELECT partnership_id, model, consortium, start_day, end_day FROM partnership_counted`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, c, s, e int64
		var m string
		if err := rows.Scan(&id, &m, &c, &s, &e); err != nil {
			t.Fatal(err)
		}
		rm.Counted[id] = [4]int64{c, s, e, int64(modelIndex(m))}
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT organisation_id, first_day, last_day FROM partnership_org_cover`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, f, l int64
		if err := rows.Scan(&id, &f, &l); err != nil {
			t.Fatal(err)
		}
		rm.Orgs[id] = cover{First: f, Last: l}
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT organisation_id, after_day, before_day FROM partnership_org_gaps ORDER BY organisation_id, after_day`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, a, b int64
		if err := rows.Scan(&id, &a, &b); err != nil {
			t.Fatal(err)
		}
		c, ok := rm.Orgs[id]
		if !ok {
			t.Errorf("gap of organisation %d that has no cover", id)
		}
		c.Gaps = append(c.Gaps, gap{a, b})
		rm.Orgs[id] = c
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT partnership_id, pair, first_day, last_day FROM partnership_sector_pairs`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, f, l int64
		var k string
		if err := rows.Scan(&id, &k, &f, &l); err != nil {
			t.Fatal(err)
		}
		rm.Pairs[fmt.Sprintf("%d/%s", id, k)] = [2]int64{f, l}
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT partnership_id, kind, after_day, before_day FROM partnership_sector_gaps ORDER BY partnership_id, kind, after_day`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, a, b int64
		var k string
		if err := rows.Scan(&id, &k, &a, &b); err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("%d/%s", id, k)
		rm.PairGaps[key] = append(rm.PairGaps[key], gap{a, b})
	}
	rows.Close()
	return rm
}

// checkReadModel compares the read model and every year's measures with
// the reference; it returns the number of years with figures.
func checkReadModel(t *testing.T, dbh *db.DB, step string) int {
	t.Helper()
	ctx := context.Background()
	ps, ms, err := Load(ctx, dbh.Q())
	if err != nil {
		t.Fatal(err)
	}
	want, got := expectedModel(ps, ms), storedModel(t, dbh.Q())
	if !reflect.DeepEqual(want, got) {
		t.Errorf("%s: the read model is out of step:\n got %+v\nwant %+v", step, got, want)
	}
	var periods []Period
	for y := 2010; y <= 2026; y++ {
		periods = append(periods, PeriodOf(y, time.January), PeriodOf(y, time.April))
	}
	raws, err := ComputeSQL(ctx, dbh.Q(), periods)
	if err != nil {
		t.Fatal(err)
	}
	pure := Compute(ps, ms, periods)
	nonzero := 0
	for i := range periods {
		sort.Ints(raws[i].Lifespans)
		sort.Ints(pure[i].Lifespans)
		if len(raws[i].Lifespans) == 0 {
			raws[i].Lifespans = nil
		}
		if len(pure[i].Lifespans) == 0 {
			pure[i].Lifespans = nil
		}
		if !reflect.DeepEqual(raws[i], pure[i]) {
			t.Errorf("%s, %s:\n sql %+v\npure %+v", step, periods[i].Label, raws[i], pure[i])
		}
		if raws[i].OrganisationsInPartnership > 0 && raws[i].PublicThird > 0 {
			nonzero++
		}
	}
	return nonzero
}

func TestDayNum(t *testing.T) {
	for _, c := range []struct {
		d    time.Time
		want int64
	}{{Date(1970, 1, 1), 0}, {Date(1970, 1, 2), 1}, {Date(1969, 12, 31), -1}, {Date(2024, 3, 1), 19783}, {Date(9999, 12, 31), foreverDay},
		{time.Date(2024, 3, 1, 23, 59, 0, 0, time.UTC), 19783}} {
		if got := dayNum(c.d); got != c.want {
			t.Errorf("dayNum(%v) = %d, want %d", c.d, got, c.want)
		}
	}
}

// TestMeasuresReadModelFollowsWrites changes members, dates, status and
// sectors through the store and through plain SQL, and checks after each
// change that the triggers kept the read model (and so the measures) in step.
func TestMeasuresReadModelFollowsWrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbh *db.DB) {
		ctx := context.Background()
		fx := handBuilt(t, dbh)
		checkReadModel(t, dbh, "hand-built")
		exec := func(step, query string, args ...any) {
			t.Helper()
			if err := dbh.Write(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, query, args...); return err }); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			checkReadModel(t, dbh, step)
		}
		pid := func(name string) int64 {
			var id int64
			if err := dbh.Q().QueryRowContext(ctx, `SELECT id FROM partnerships WHERE name = $1`, name).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		mid := func(p, org string) int64 {
			var id int64
			if err := dbh.Q().QueryRowContext(ctx, `SELECT MIN(id) FROM partnership_members WHERE partnership_id = $1 AND organisation_id = $2`, pid(p), fx.orgs[org]).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		orgsIn := func(year int) int {
			raws, err := ComputeSQL(ctx, dbh.Q(), []Period{PeriodOf(year, time.January)})
			if err != nil {
				t.Fatal(err)
			}
			return raws[0].OrganisationsInPartnership
		}

		// Through the store: F's second period in P1 now starts in 2025,
		// so F is not in a partnership in 2024 (5 -> 4 organisations).
		if got := orgsIn(2024); got != 5 {
			t.Fatalf("2024 starts with %d organisations, want 5", got)
		}
		m := Member{ID: mid("P1", "F"), PartnershipID: pid("P1"), Role: "member", Joined: d("2020-03-01"), Left: d("2021-05-01")}
		var second int64
		if err := dbh.Q().QueryRowContext(ctx, `SELECT MAX(id) FROM partnership_members WHERE partnership_id = $1 AND organisation_id = $2`, pid("P1"), fx.orgs["F"]).Scan(&second); err != nil {
			t.Fatal(err)
		}
		m2 := Member{ID: second, PartnershipID: pid("P1"), OrgID: fx.orgs["F"], Role: "member", Joined: d("2025-02-01")}
		if err := dbh.Write(ctx, func(tx *db.Tx) error { return UpdateMember(ctx, tx, &m2) }); err != nil {
			t.Fatal(err)
		}
		checkReadModel(t, dbh, "rejoin moved to 2025")
		if got := orgsIn(2024); got != 4 {
			t.Errorf("after F's rejoin moved to 2025: %d organisations in 2024, want 4", got)
		}
		if err := dbh.Write(ctx, func(tx *db.Tx) error { return DeleteMember(ctx, tx, m.PartnershipID, m.ID) }); err != nil {
			t.Fatal(err)
		}
		checkReadModel(t, dbh, "first period deleted")
		if err := dbh.Write(ctx, func(tx *db.Tx) error {
			return InsertMember(ctx, tx, &Member{PartnershipID: pid("P3"), OrgID: fx.orgs["D"], Role: "member", Joined: d("2024-07-01")})
		}); err != nil {
			t.Fatal(err)
		}
		checkReadModel(t, dbh, "public member added to P3")

		// Through the store: P3's status, dates.
		p3, err := ByID(ctx, dbh.Q(), pid("P3"))
		if err != nil {
			t.Fatal(err)
		}
		p3.Status = "proposed"
		if err := dbh.Write(ctx, func(tx *db.Tx) error { return Update(ctx, tx, p3, "active", 0, "") }); err != nil {
			t.Fatal(err)
		}
		checkReadModel(t, dbh, "P3 back to proposed")
		p3.Status, p3.Start = "active", d("2021-01-01")
		if err := dbh.Write(ctx, func(tx *db.Tx) error { return Update(ctx, tx, p3, "proposed", 0, "") }); err != nil {
			t.Fatal(err)
		}
		checkReadModel(t, dbh, "P3 active from 2021")

		// Plain SQL, as any other writer would do it.
		exec("P2 ends later", `UPDATE partnerships SET end_date = $1 WHERE id = $2`, Date(2025, 6, 30), pid("P2"))
		exec("P1 loses its start date", `UPDATE partnerships SET start_date = NULL, status = 'forming' WHERE id = $1`, pid("P1"))
		exec("P1 starts again", `UPDATE partnerships SET start_date = $1, status = 'active' WHERE id = $2`, Date(2019, 1, 1), pid("P1"))
		exec("D becomes a charity", `UPDATE organisations SET sector = 'vcs' WHERE id = $1`, fx.orgs["D"])
		exec("E becomes public", `UPDATE organisations SET sector = 'public' WHERE id = $1`, fx.orgs["E"])
		exec("membership moves to another organisation", `UPDATE partnership_members SET organisation_id = $1 WHERE id = $2`, fx.orgs["I"], mid("P5", "C"))
		exec("membership moves to another partnership", `UPDATE partnership_members SET partnership_id = $1 WHERE id = $2`, pid("P7"), mid("P2", "G"))
		exec("member leaves before the partnership starts", `UPDATE partnership_members SET left_on = $1 WHERE id = $2`, Date(2018, 1, 1), mid("P3", "H"))
		exec("partnership deleted", `DELETE FROM partnerships WHERE id = $1`, pid("P5"))
		exec("organisation deleted", `DELETE FROM organisations WHERE id = $1`, fx.orgs["A"])
	})
}

// TestMeasuresReadModelRandomWrites applies random writes to random,
// awkward records and checks the read model and measures after each.
func TestMeasuresReadModelRandomWrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbh *db.DB) {
		ctx := context.Background()
		rnd := rand.New(rand.NewPCG(3, 5))
		fx := newFixture(t, dbh)
		sectors := []string{"vcs", "social_enterprise", "faith", "public", "private", "vcs"}
		var orgs []int64
		for i := 0; i < 16; i++ {
			sector := sectors[rnd.IntN(len(sectors))]
			if i < len(sectors) {
				sector = sectors[i]
			}
			orgs = append(orgs, fx.org(fmt.Sprintf("Org %02d", i), sector))
		}
		day := func() any {
			if rnd.IntN(5) == 0 {
				return nil
			}
			y := 2012 + rnd.IntN(12)
			switch rnd.IntN(4) {
			case 0:
				return Date(y, 1, 1)
			case 1:
				return Date(y, 12, 31)
			}
			return Date(y, time.Month(1+rnd.IntN(12)), 1+rnd.IntN(28))
		}
		var pids []int64
		for i := 0; i < 12; i++ {
			p := &Partnership{Name: fmt.Sprintf("Partnership %d", i), Model: Models[rnd.IntN(len(Models))], Status: "active", Start: d("2015-01-01")}
			for j := 0; j < 3; j++ {
				p.Members = append(p.Members, Member{OrgID: orgs[(i+j*5)%len(orgs)], Role: "member"})
			}
			fx.partnership(p)
			pids = append(pids, p.ID)
		}
		write := func(query string, args ...any) {
			t.Helper()
			if err := dbh.Write(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, query, args...); return err }); err != nil {
				t.Fatalf("%s %v: %v", query, args, err)
			}
		}
		member := func() (int64, bool) {
			var id int64
			var n int
			if err := dbh.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM partnership_members`).Scan(&n); err != nil || n == 0 {
				return 0, false
			}
			err := dbh.Q().QueryRowContext(ctx, `SELECT id FROM partnership_members ORDER BY id LIMIT 1 OFFSET $1`, rnd.IntN(n)).Scan(&id)
			return id, err == nil
		}
		years := 0
		for step := 0; step < 60; step++ {
			var what string
			switch k := rnd.IntN(10); {
			case k < 4:
				what = "add member"
				write(`INSERT INTO partnership_members (partnership_id, organisation_id, role, joined_on, left_on, created_at) VALUES ($1, $2, 'member', $3, $4, $5)`,
					pids[rnd.IntN(len(pids))], orgs[rnd.IntN(len(orgs))], day(), day(), db.Now())
			case k == 4:
				if id, ok := member(); ok {
					what = "change member dates"
					write(`UPDATE partnership_members SET joined_on = $1, left_on = $2 WHERE id = $3`, day(), day(), id)
				}
			case k == 5:
				if id, ok := member(); ok {
					what = "delete member"
					write(`DELETE FROM partnership_members WHERE id = $1`, id)
				}
			case k == 6:
				what = "change partnership dates"
				write(`UPDATE partnerships SET start_date = $1, end_date = $2 WHERE id = $3`, day(), day(), pids[rnd.IntN(len(pids))])
			case k == 7:
				what = "change status"
				write(`UPDATE partnerships SET status = $1 WHERE id = $2`, Statuses[rnd.IntN(len(Statuses))], pids[rnd.IntN(len(pids))])
			case k == 8:
				what = "change sector"
				write(`UPDATE organisations SET sector = $1 WHERE id = $2`, sectors[rnd.IntN(len(sectors))], orgs[rnd.IntN(len(orgs))])
			default:
				if id, ok := member(); ok {
					what = "move member"
					write(`UPDATE partnership_members SET organisation_id = $1, partnership_id = $2 WHERE id = $3`, orgs[rnd.IntN(len(orgs))], pids[rnd.IntN(len(pids))], id)
				}
			}
			if what != "" {
				years += checkReadModel(t, dbh, fmt.Sprintf("step %d (%s)", step, what))
			}
			if t.Failed() {
				return
			}
		}
		if years < 20 {
			t.Fatalf("the random writes exercised too little (%d years with figures over all steps)", years)
		}
	})
}

// pauseReadModel switches the read model's triggers off (the test database
// is thrown away afterwards), as if the rows had been written before
// migration 0221.
// readModelTriggersPostgres is the statements that turn the read model's
// PostgreSQL triggers (0221, 0236) on or off (how: "ENABLE" or "DISABLE").
func readModelTriggersPostgres(how string) []string {
	var stmts []string
	for _, tr := range [][2]string{{"partnerships", "partnerships_counted"}, {"partnerships", "partnerships_counted_upd"},
		{"partnership_members", "partnership_members_cover_ins"}, {"partnership_members", "partnership_members_cover_del"},
		{"partnership_members", "partnership_members_cover_upd"}, {"organisations", "organisations_cover"}} {
		stmts = append(stmts, "ALTER TABLE "+tr[0]+" "+how+" TRIGGER "+tr[1])
	}
	return stmts
}

func pauseReadModel(t testing.TB, dbh *db.DB) {
	t.Helper()
	ctx := context.Background()
	var stmts []string
	if dbh.IsPostgres() {
		stmts = readModelTriggersPostgres("DISABLE")
	} else {
		rows, err := dbh.Q().QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'trigger' AND (name LIKE 'partnerships_counted_%' OR name LIKE '%_cover_%')`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			stmts = append(stmts, "DROP TRIGGER "+n)
		}
		rows.Close()
		if len(stmts) != 7 {
			t.Fatalf("found %d of the read model's 7 triggers", len(stmts))
		}
	}
	for _, s := range stmts {
		if _, err := dbh.W().ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
}

// backfillReadModel runs the backfill at the end of migration 0221.
func backfillReadModel(t testing.TB, dbh *db.DB) {
	t.Helper()
	ctx := context.Background()
	backfill := backfillOf(t, dbh, "0221_measures_cover")
	if err := dbh.Write(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, backfill); return err }); err != nil {
		t.Fatal(err)
	}
}

// TestMeasuresReadModelBackfill writes records with the triggers off, then
// runs the migration's backfill and checks the read model and measures.
func TestMeasuresReadModelBackfill(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbh *db.DB) {
		ctx := context.Background()
		pauseReadModel(t, dbh)
		handBuilt(t, dbh)
		var n int
		if err := dbh.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM partnership_org_cover`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("with the triggers off the read model has %d rows (%v)", n, err)
		}
		backfillReadModel(t, dbh)
		if checkReadModel(t, dbh, "backfilled") < 2 {
			t.Error("the backfilled read model gives too few years with figures")
		}
	})
}

// TestMeasuresReadModelMultiRowStatements writes many memberships of
// several organisations and partnerships in single statements (INSERT,
// UPDATE, DELETE), as the demo town's seeding and plain SQL do: on
// PostgreSQL the membership trigger runs once per statement (0236) and must
// refresh every organisation and partnership of all its rows.
func TestMeasuresReadModelMultiRowStatements(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbh *db.DB) {
		ctx := context.Background()
		fx := handBuilt(t, dbh)
		checkReadModel(t, dbh, "hand-built")
		pids := map[string]int64{}
		if err := db.EachRow(ctx, dbh.Q(), `SELECT name, id FROM partnerships`, nil, func(r *sql.Rows) error {
			var n string
			var id int64
			if err := r.Scan(&n, &id); err != nil {
				return err
			}
			pids[n] = id
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		exec := func(step, query string, args ...any) {
			t.Helper()
			var n int64
			if err := dbh.Write(ctx, func(tx *db.Tx) error {
				res, err := tx.ExecContext(ctx, query, args...)
				if err == nil {
					n, err = res.RowsAffected()
				}
				return err
			}); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if n < 3 {
				t.Fatalf("%s: %d rows, want several", step, n)
			}
			checkReadModel(t, dbh, step)
		}
		// Charities, a public body and a private firm join four partnerships
		// at different dates, in one statement.
		var args []any
		var vals []string
		for _, r := range []struct {
			p, o         string
			joined, left *time.Time
		}{{"P2", "B", d("2022-06-01"), nil}, {"P2", "D", d("2023-02-01"), nil}, {"P3", "C", nil, d("2025-01-01")},
			{"P3", "E", d("2024-09-01"), nil}, {"P7", "F", d("2025-03-01"), nil}, {"P7", "D", nil, nil}, {"P6", "G", d("2019-01-01"), d("2020-06-30")},
			{"P6", "D", d("2018-06-01"), nil}, {"P1", "J", d("2021-01-01"), d("2022-01-01")}} {
			vals = append(vals, "("+db.Placeholders(&args, []any{pids[r.p], fx.orgs[r.o], "member", db.NullPtr(r.joined), db.NullPtr(r.left), db.Now()})+")")
		}
		exec("nine memberships inserted in one statement", `INSERT INTO partnership_members (partnership_id, organisation_id, role, joined_on, left_on, created_at) VALUES `+strings.Join(vals, ", "), args...)
		exec("members of three partnerships leave in one statement", `UPDATE partnership_members SET left_on = $1 WHERE partnership_id IN ($2, $3, $4) AND role = 'member'`, Date(2024, 8, 1), pids["P1"], pids["P2"], pids["P3"])
		exec("memberships of two organisations move to two others", `UPDATE partnership_members SET organisation_id = CASE WHEN organisation_id = $1 THEN CAST($2 AS BIGINT) ELSE CAST($3 AS BIGINT) END WHERE organisation_id IN ($1, $4)`, fx.orgs["D"], fx.orgs["H"], fx.orgs["E"], fx.orgs["A"])
		exec("memberships move between partnerships", `UPDATE partnership_members SET partnership_id = CASE WHEN partnership_id = $1 THEN CAST($2 AS BIGINT) ELSE CAST($1 AS BIGINT) END, joined_on = NULL WHERE partnership_id IN ($1, $2)`, pids["P6"], pids["P7"])
		exec("roles change (nothing counted changes)", `UPDATE partnership_members SET role = 'associate' WHERE role = 'member'`)
		exec("memberships of two partnerships and an organisation deleted in one statement", `DELETE FROM partnership_members WHERE partnership_id IN ($1, $2) OR organisation_id = $3`, pids["P2"], pids["P7"], fx.orgs["C"])
	})
}

// TestMeasuresSectorGapsAndApartSectors covers the two corrections of the
// sector mix: a partnership whose third-sector members left before its
// public member joined (the sectors never overlap: counted in no year in
// between), and one whose third-sector membership has a gap of more than a
// year while its public member stays (not counted in the years of the gap).
func TestMeasuresSectorGapsAndApartSectors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbh *db.DB) {
		ctx := context.Background()
		fx := newFixture(t, dbh)
		for _, o := range []struct{ n, s string }{{"T1", "vcs"}, {"T2", "faith"}, {"T3", "vcs"}, {"U1", "public"}, {"U2", "public"}, {"V1", "private"}} {
			fx.org(o.n, o.s)
		}
		fx.partnership(&Partnership{Name: "Apart", Model: "joint_project", Status: "active", Start: d("2015-01-01"),
			Members: []Member{fx.m("T1", "lead", nil, d("2016-06-30")), fx.m("U1", "member", d("2019-01-01"), nil)}})
		fx.partnership(&Partnership{Name: "Gap", Model: "informal_network", Status: "active", Start: d("2015-01-01"),
			Members: []Member{fx.m("U2", "lead", nil, nil), fx.m("T2", "member", nil, d("2016-06-30")), fx.m("T3", "member", d("2019-01-01"), nil),
				fx.m("V1", "member", d("2017-03-01"), d("2017-03-31"))}})
		if checkReadModel(t, dbh, "apart and gap") < 3 {
			t.Error("too few years with figures")
		}
		want := map[int][2]int{2015: {1, 0}, 2016: {1, 0}, 2017: {0, 0}, 2018: {0, 0}, 2019: {1, 0}, 2020: {1, 0}}
		for y, w := range want {
			raws, err := ComputeSQL(ctx, dbh.Q(), []Period{PeriodOf(y, time.January)})
			if err != nil {
				t.Fatal(err)
			}
			if got := [2]int{raws[0].PublicThird, raws[0].PrivateThird}; got != w {
				t.Errorf("%d: public and third, private and third = %v, want %v", y, got, w)
			}
		}
		var apart, gaps int
		if err := dbh.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM partnership_sector_pairs WHERE first_day > last_day`).Scan(&apart); err != nil {
			t.Fatal(err)
		}
		if err := dbh.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM partnership_sector_gaps WHERE kind = 't'`).Scan(&gaps); err != nil {
			t.Fatal(err)
		}
		if apart != 1 || gaps != 1 {
			t.Errorf("%d pairs apart and %d third-sector gaps, want 1 and 1", apart, gaps)
		}
	})
}
