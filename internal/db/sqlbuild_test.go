package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

func TestPlaceholdersNumberAfterTheArgumentsThere(t *testing.T) {
	if got := db.Marks(3, 3); got != "$3, $4, $5" {
		t.Errorf("Marks(3, 3) = %q", got)
	}
	if got := db.Marks(1, 0); got != "" {
		t.Errorf("Marks(1, 0) = %q", got)
	}
	args := []any{"x"}
	if got := db.Placeholders(&args, []int64{7, 8}); got != "$2, $3" || !slices.Equal(args, []any{"x", int64(7), int64(8)}) {
		t.Errorf("Placeholders = %q, args %v", got, args)
	}
	var a2 []any
	if got := db.InList(db.SQLite, &a2, []string{"a", "b"}); got != "?, ?" || len(a2) != 2 {
		t.Errorf("InList(SQLite) = %q %v", got, a2)
	}
	var a3 []any
	if got := db.InList(db.Postgres, &a3, []string{"a", "b"}); got != "$1, $2" || len(a3) != 2 {
		t.Errorf("InList(Postgres) = %q %v", got, a3)
	}
	var sizes []int
	_ = db.Chunks(make([]int, 1203), 500, func(p []int) error { sizes = append(sizes, len(p)); return nil })
	if !slices.Equal(sizes, []int{500, 500, 203}) {
		t.Errorf("Chunks sizes %v", sizes)
	}
}

// QueryEach answers a list longer than one chunk, with an extra parameter
// before the list, on both databases; UniqueSlug numbers taken slugs and
// lets a row keep its own.
func TestQueryEachAndUniqueSlug(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var ids []int64
		if err := d.Write(ctx, func(tx *db.Tx) error {
			for i := range 1200 {
				var id int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at) VALUES ($1, $2, $3, 'vcs', 'charity', $4, $4) RETURNING id`,
					fmt.Sprintf("u-%d", i), fmt.Sprintf("org-%d", i), fmt.Sprintf("Org %d", i), db.Now()).Scan(&id); err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		n := 0
		err := db.QueryEach(ctx, d.Q(), d.Dialect, `SELECT id FROM organisations WHERE sector = $1 AND id IN (IDS)`, []any{"vcs"}, ids, func(r *sql.Rows) error {
			n++
			return nil
		})
		if err != nil || n != len(ids) {
			t.Fatalf("QueryEach read %d of %d rows, err %v", n, len(ids), err)
		}
		// InIDs: the same statement text for any number of ids (none,
		// one, 1,200), each list answered exactly, after a parameter.
		texts := map[string]bool{}
		for _, want := range [][]int64{nil, ids[5:6], {ids[3], ids[1], ids[1000]}, ids} {
			args := []any{"vcs"}
			s := `SELECT id FROM organisations WHERE sector = $1 AND id ` + db.InIDs(d.Dialect, &args, want) + ` ORDER BY id`
			texts[s] = true
			got, err := db.Column[int64](ctx, d.Q(), s, args...)
			sorted := slices.Sorted(slices.Values(want))
			if err != nil || !slices.Equal(got, sorted) {
				t.Errorf("InIDs(%d ids) read %d rows, err %v", len(want), len(got), err)
			}
		}
		if len(texts) != 1 {
			t.Errorf("InIDs gave %d statement texts, want 1", len(texts))
		}
		// IDSet: the ids a query selects, every one of them, none for
		// none; a LIMIT after an ORDER BY inside it picks the same ids
		// as read as rows (the kept statements' Querier too).
		for _, q := range []db.Querier{d.Q(), db.NewReadStatements(d)} {
			for _, c := range []struct {
				query string
				args  []any
			}{
				{`SELECT id FROM organisations WHERE sector = $1`, []any{"none"}},
				{`SELECT id FROM organisations WHERE slug = $1`, []any{"org-7"}},
				{`SELECT id FROM organisations WHERE sector = $1`, []any{"vcs"}},
				{`SELECT id FROM organisations WHERE sector = $1 ORDER BY id DESC LIMIT $2`, []any{"vcs", 1001}},
			} {
				want, err := db.Column[int64](ctx, d.Q(), c.query, c.args...)
				if err != nil {
					t.Fatal(err)
				}
				got, err := db.IDSet(ctx, q, d.Dialect, c.query, c.args...)
				slices.Sort(want)
				slices.Sort(got)
				if err != nil || !slices.Equal(got, want) {
					t.Errorf("IDSet(%s, %v) read %d ids, want %d; err %v", c.query, c.args, len(got), len(want), err)
				}
			}
		}
		got, err := db.UniqueSlug(ctx, d.Q(), "organisations", "org-1", 0)
		if err != nil || got != "org-1-2" {
			t.Errorf("UniqueSlug(taken) = %q, %v", got, err)
		}
		got, err = db.UniqueSlug(ctx, d.Q(), "organisations", "org-1", ids[1])
		if err != nil || got != "org-1" {
			t.Errorf("UniqueSlug(own) = %q, %v", got, err)
		}
		got, err = db.UniqueSlug(ctx, d.Q(), "organisations", "fresh", 0)
		if err != nil || got != "fresh" {
			t.Errorf("UniqueSlug(free) = %q, %v", got, err)
		}
		// A reserved slug is skipped though no row has it, and so is a
		// reserved numbered one; a taken slug after it still counts.
		got, err = db.UniqueSlug(ctx, d.Q(), "organisations", "fresh", 0, "fresh", "fresh-2")
		if err != nil || got != "fresh-3" {
			t.Errorf("UniqueSlug(reserved) = %q, %v", got, err)
		}
		got, err = db.UniqueSlug(ctx, d.Q(), "organisations", "org-2", 0, "org-2-2")
		if err != nil || got != "org-2-3" {
			t.Errorf("UniqueSlug(taken, then reserved) = %q, %v", got, err)
		}
	})
}
