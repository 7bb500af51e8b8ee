package partnerships

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestMeasuresOriginCountsFollowWrites writes partnerships (through the
// store and in plain SQL), changes their start dates, statuses and
// origins, and deletes some; after each write the partnerships started
// per origin (originCounts: the month counts of migration 0235 for
// periods on the first of a month, partnerships itself for the others)
// must equal both a count in Go over every partnership and the query the
// measures ran before 0235 (originsBetween), for calendar and financial
// years and for periods starting mid-month; and the month counts kept by
// the triggers must equal those the migration's backfill computes.
func TestMeasuresOriginCountsFollowWrites(t *testing.T) {
	dbtest.Each(t, testOriginCountsFollowWrites)
}

func testOriginCountsFollowWrites(t *testing.T, dbh *db.DB) {
	ctx := context.Background()
	fx := newFixture(t, dbh)
	ids := map[string]int64{}
	for i, p := range []struct {
		origin, status string
		start          *time.Time
	}{
		{"event", "active", d("2019-01-01")},
		{"event", "ended", d("2019-03-05")},
		{"partner_finder", "forming", d("2019-03-20")},
		{"looking_for_partners", "active", d("2020-12-31")},
		{"bid", "dormant", d("2021-06-15")},
		{"other", "active", d("2021-07-01")},
		{"other", "proposed", d("2021-07-02")},
		{"event", "forming", nil},
		{"partner_finder", "active", d("2022-04-01")},
		{"other", "ended", d("2018-12-31")},
	} {
		name := fmt.Sprintf("O%d", i)
		pp := &Partnership{Name: name, Model: Models[i%len(Models)], Status: p.status, Start: p.start, Origin: p.origin}
		if p.status == "ended" {
			pp.End = d("2025-01-01")
		}
		ids[name] = fx.partnership(pp).ID
	}
	var periods []Period
	for y := 2017; y <= 2024; y++ {
		periods = append(periods, PeriodOf(y, time.January), PeriodOf(y, time.April))
	}
	periods = append(periods,
		Period{Year: 2019, Start: Date(2019, 3, 15), End: Date(2020, 3, 15), Label: "from 15 March"},
		Period{Year: 2021, Start: Date(2021, 6, 10), End: Date(2021, 7, 2), Label: "10 June to 1 July"})
	check := func(step string) {
		t.Helper()
		// Expected: every partnership counted in Go.
		want := make([]map[string]int, len(periods))
		for i := range want {
			want[i] = map[string]int{}
		}
		rows, err := dbh.Q().QueryContext(ctx, `SELECT origin, status, start_date FROM partnerships`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var origin, status string
			var start sql.NullTime
			if err := rows.Scan(&origin, &status, &start); err != nil {
				t.Fatal(err)
			}
			if status == "proposed" || !start.Valid {
				continue
			}
			for i, p := range periods {
				if p.Contains(db.Day(start.Time)) {
					want[i][origin]++
				}
			}
		}
		rows.Close()
		got, err := originCounts(ctx, dbh.Q(), periods)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range periods {
			old, err := originsBetween(ctx, dbh.Q(), p.Start, p.End)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got[i], want[i]) || !reflect.DeepEqual(old, want[i]) {
				t.Errorf("%s, %s: originCounts %v, the query before 0235 %v, counted in Go %v", step, p.Label, got[i], old, want[i])
			}
		}
		const kept = `SELECT origin || ' ' || month || ' ' || n FROM partnership_origin_months WHERE n <> 0 ORDER BY origin, month`
		triggered := textRows(t, dbh, kept)
		if _, err := dbh.W().ExecContext(ctx, `DELETE FROM partnership_origin_months`); err != nil {
			t.Fatal(err)
		}
		if _, err := dbh.W().ExecContext(ctx, backfillOf(t, dbh, "0235_partnership_origin_months")); err != nil {
			t.Fatal(err)
		}
		if backfilled := textRows(t, dbh, kept); !reflect.DeepEqual(triggered, backfilled) {
			t.Errorf("%s: month counts kept by the triggers:\n%v\nrecomputed by the backfill:\n%v", step, triggered, backfilled)
		}
	}
	check("written")
	for _, w := range []struct {
		step, sql string
		args      []any
	}{
		{"start moved within its month", `UPDATE partnerships SET start_date = $1 WHERE id = $2`, []any{Date(2019, 1, 20), ids["O0"]}},
		{"start moved to another month", `UPDATE partnerships SET start_date = $1 WHERE id = $2`, []any{Date(2019, 3, 1), ids["O0"]}},
		{"start moved to another year", `UPDATE partnerships SET start_date = $1 WHERE id = $2`, []any{Date(2017, 11, 30), ids["O3"]}},
		{"start moved across a mid-month bound", `UPDATE partnerships SET start_date = $1 WHERE id = $2`, []any{Date(2019, 3, 16), ids["O1"]}},
		{"proposed", `UPDATE partnerships SET status = 'proposed' WHERE id = $1`, []any{ids["O2"]}},
		{"no longer proposed", `UPDATE partnerships SET status = 'forming' WHERE id = $1`, []any{ids["O6"]}},
		{"start removed", `UPDATE partnerships SET start_date = NULL WHERE id = $1`, []any{ids["O4"]}},
		{"start given", `UPDATE partnerships SET start_date = $1 WHERE id = $2`, []any{Date(2022, 6, 1), ids["O7"]}},
		{"active to ended", `UPDATE partnerships SET status = 'ended', end_date = $1 WHERE id = $2`, []any{Date(2023, 1, 1), ids["O8"]}},
		{"origin changed", `UPDATE partnerships SET origin = 'event' WHERE id = $1`, []any{ids["O5"]}},
		{"origin, status and start changed at once", `UPDATE partnerships SET origin = 'bid', status = 'active', start_date = $1 WHERE id = $2`, []any{Date(2024, 2, 29), ids["O2"]}},
		{"renamed", `UPDATE partnerships SET name = 'Renamed' WHERE id = $1`, []any{ids["O9"]}},
		{"many rows in one statement", `UPDATE partnerships SET origin = 'partner_finder' WHERE origin IN ('event', 'other')`, nil},
		{"inserted in SQL", `INSERT INTO partnerships (uuid, slug, name, model, status, start_date, visibility, origin, created_at, updated_at)
			VALUES ('o-sql', 'o-sql', 'In SQL', 'joint_project', 'active', $1, 'public', 'looking_for_partners', $2, $2)`, []any{Date(2020, 4, 1), db.Now()}},
		{"deleted", `DELETE FROM partnerships WHERE id = $1`, []any{ids["O1"]}},
		{"many deleted", `DELETE FROM partnerships WHERE origin = 'partner_finder'`, nil},
	} {
		res, err := dbh.W().ExecContext(ctx, w.sql, w.args...)
		if err != nil {
			t.Fatalf("%s: %v", w.step, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			t.Fatalf("%s changed no row", w.step)
		}
		check(w.step)
	}
	var left int
	if err := dbh.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM partnership_origin_months WHERE n <> 0`).Scan(&left); err != nil || left < 3 {
		t.Fatalf("after the writes %d month counts are left (%v): the test exercised too little", left, err)
	}
}
