package directory_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
)

// TestByNameOrdersAnySet: a page of a search window is ordered by name,
// then id, whichever way byName takes (SQLite): walking the name index
// for a large set, walking it and giving up when the set's names come
// late in the alphabet, or reading each name for a small set; with names
// shared by several organisations (the id breaks the tie).
func TestByNameOrdersAnySet(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	type org struct {
		id   int64
		name string
	}
	var orgs []org
	if err := d.Write(ctx, func(tx *db.Tx) error {
		for i := range 300 {
			// Names repeat (i%97) and are not in id order.
			name := fmt.Sprintf("Org %03d", (i*37)%97)
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at) VALUES ($1, $2, $3, 'vcs', 'charity', $4, $4) RETURNING id`,
				fmt.Sprintf("u-%d", i), fmt.Sprintf("org-%d", i), name, db.Now()).Scan(&id); err != nil {
				return err
			}
			orgs = append(orgs, org{id, name})
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	byKey := slices.Clone(orgs)
	slices.SortFunc(byKey, func(a, b org) int { return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.id, b.id)) })
	pick := func(from []org, keep func(i int) bool) []int64 {
		var ids []int64
		for i, o := range from {
			if keep(i) {
				ids = append(ids, o.id)
			}
		}
		return ids
	}
	cases := []struct {
		name  string
		ids   []int64
		k     int
		slack int64
	}{
		{"every third by id, walked", pick(orgs, func(i int) bool { return i%3 == 0 }), 20, -1},
		{"the last third by name, walk bound passed", pick(byKey, func(i int) bool { return i >= 200 }), 20, 0},
		{"a whole small set, read by id", pick(orgs, func(i int) bool { return i%30 == 1 }), 10, -1},
		{"the whole set", pick(orgs, func(i int) bool { return true }), 300, -1},
	}
	for _, c := range cases {
		want := pick(byKey, func(i int) bool { return slices.Contains(c.ids, byKey[i].id) })[:c.k]
		// The set in id order, as a window holds it.
		ids := slices.Sorted(slices.Values(c.ids))
		got, err := directory.ByName(ctx, d.Q(), ids, c.k, c.slack)
		if err != nil {
			t.Fatal(c.name, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v\nwant %v", c.name, got, want)
		}
	}
}
