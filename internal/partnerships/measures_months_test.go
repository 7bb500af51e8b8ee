package partnerships

import (
	"context"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// textRows reads a query of one text column.
func textRows(t *testing.T, d *db.DB, query string) []string {
	t.Helper()
	rows, err := d.Q().QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// monthCountRows is the month counts (migration 0233 on SQLite, 0234 on
// PostgreSQL) without the rows that came back to zero.
func monthCountRows(t *testing.T, d *db.DB) []string {
	t.Helper()
	return textRows(t, d, `SELECT series || ' ' || month || ' ' || n FROM partnership_month_counts WHERE n <> 0 ORDER BY series, month`)
}

// backfillOf is the backfill section of a migration file (from its
// "-- Backfill." line to the end), for the dialect of d: name is the
// file's name without ".sqlite.sql" or ".postgres.sql".
func backfillOf(t testing.TB, d *db.DB, name string) string {
	t.Helper()
	file := name + "." + string(d.Dialect) + ".sql"
	b, err := os.ReadFile("../db/migrations/" + file)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), "-- Backfill.")
	if i < 0 {
		t.Fatal(file + " has no backfill section")
	}
	return string(b[i:])
}

// TestMeasuresMonthCountsFollowReadModel changes, adds and deletes rows of
// the read model straight in SQL (its own triggers only insert and delete)
// and checks that SQLite's month counts still equal those the migration's
// backfill computes from the read model, and that the measures read from
// them still agree with the reference computation, on both databases.
func TestMeasuresMonthCountsFollowReadModel(t *testing.T) {
	dbtest.Each(t, testMonthCountsFollowReadModel)
}

func testMonthCountsFollowReadModel(t *testing.T, d *db.DB) {
	ctx := context.Background()
	handBuilt(t, d)
	checkReadModel(t, d, "hand-built")
	for _, s := range []string{
		`UPDATE partnership_counted SET start_day = start_day - 200, end_day = end_day - 40, model = 'joint_venture' WHERE partnership_id = (SELECT MIN(partnership_id) FROM partnership_counted)`,
		`UPDATE partnership_org_cover SET first_day = first_day - 400 WHERE organisation_id IN (SELECT organisation_id FROM partnership_org_cover ORDER BY organisation_id LIMIT 2)`,
		`UPDATE partnership_sector_pairs SET last_day = last_day - 30, pair = 'v' WHERE pair = 'u' AND partnership_id = (SELECT MIN(x.partnership_id) FROM partnership_sector_pairs x WHERE x.pair = 'u'
			AND NOT EXISTS (SELECT 1 FROM partnership_sector_pairs y WHERE y.partnership_id = x.partnership_id AND y.pair = 'v'))`,
		`UPDATE partnership_org_cover SET last_day = last_day - 45 WHERE organisation_id = (SELECT MIN(organisation_id) FROM partnership_org_cover WHERE last_day < 2932896)`,
		`DELETE FROM partnership_org_cover WHERE organisation_id = (SELECT MAX(organisation_id) FROM partnership_org_cover)`,
		`INSERT INTO partnership_counted (partnership_id, model, consortium, start_day, end_day) VALUES (999999, 'informal_network', 0, 17000, 2932896)`,
	} {
		res, err := d.W().ExecContext(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			t.Fatalf("%s changed no row", s)
		}
	}
	got := monthCountRows(t, d)
	name := "0233_measures_months"
	if d.IsPostgres() {
		name = "0234_measures_months"
	}
	backfill := backfillOf(t, d, name)
	if _, err := d.W().ExecContext(ctx, `DELETE FROM partnership_month_counts`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.W().ExecContext(ctx, backfill); err != nil {
		t.Fatal(err)
	}
	want := monthCountRows(t, d)
	if len(want) < 10 {
		t.Fatalf("the backfill gave only %d month counts", len(want))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("month counts kept by the triggers:\n%v\nrecomputed from the read model:\n%v", got, want)
	}
}

// TestMeasuresMonthCountsNeedFirstOfMonth: periods that do not start on
// the first of a month cannot be read from month counts; ComputeSQL then
// reads the read model's day histograms and still agrees with the
// reference computation.
func TestMeasuresMonthCountsNeedFirstOfMonth(t *testing.T) {
	dbtest.Each(t, testMonthCountsNeedFirstOfMonth)
}

func testMonthCountsNeedFirstOfMonth(t *testing.T, d *db.DB) {
	ctx := context.Background()
	handBuilt(t, d)
	s := Date(2019, 3, 15)
	periods := []Period{{Year: 2019, Start: s, End: s.AddDate(1, 0, 0), Label: "odd"}, PeriodOf(2020, 1)}
	if _, ok, err := monthCounts(ctx, d.Q(), boundaries(spansOf(periods))); ok || err != nil {
		t.Fatalf("month counts answered for a period starting on the 15th (ok %v, err %v)", ok, err)
	}
	raws, err := ComputeSQL(ctx, d.Q(), periods)
	if err != nil {
		t.Fatal(err)
	}
	ps, ms, err := Load(ctx, d.Q())
	if err != nil {
		t.Fatal(err)
	}
	pure := Compute(ps, ms, periods)
	for i := range raws {
		for _, r := range []*Raw{&raws[i], &pure[i]} {
			sort.Ints(r.Lifespans)
			if len(r.Lifespans) == 0 {
				r.Lifespans = nil
			}
		}
		if !reflect.DeepEqual(raws[i], pure[i]) {
			t.Errorf("%s: SQL %+v\nreference %+v", periods[i].Label, raws[i], pure[i])
		}
	}
}
