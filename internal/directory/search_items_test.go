package directory_test

import (
	"context"
	"slices"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
	"partnerhub/internal/taxonomy"
)

// A search's results carry each organisation's wards (by code),
// services (by their position in the taxonomy) and identifiers (sorted),
// and none of another's, on every way a page is read: ranked by words, by
// name, by last update, and the filters-only listing.
func TestSearchItemsCarryTheirLists(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.New(t, d)
		svc, err := taxonomy.List(ctx, d.Q(), taxonomy.Services, false)
		if err != nil || len(svc) < 3 {
			t.Fatal(len(svc), err)
		}
		cg, err := taxonomy.List(ctx, d.Q(), taxonomy.ClientGroups, false)
		if err != nil || len(cg) == 0 {
			t.Fatal(len(cg), err)
		}
		type want struct{ wards, services, idents []string }
		wants := map[string]want{}
		org := func(name string, wards []string, terms []taxonomy.Term, idents []string) {
			o := env.Org(name, "vcs", nil)
			p, err := directory.LoadProfile(ctx, d.Q(), o.ID)
			if err != nil {
				t.Fatal(err)
			}
			p.Description, p.Published, p.Wards, p.Identifiers = "Zephyrine kite workshops", true, wards, idents
			var w want
			w.wards = slices.Sorted(slices.Values(wards))
			for _, tm := range terms {
				p.TermIDs = append(p.TermIDs, tm.ID)
			}
			for _, s := range svc { // the taxonomy's order
				if slices.ContainsFunc(terms, func(x taxonomy.Term) bool { return x.ID == s.ID }) {
					w.services = append(w.services, s.Name)
				}
			}
			w.idents = slices.Sorted(slices.Values(idents))
			if err := d.Write(ctx, func(tx *db.Tx) error { _, err := directory.SaveProfile(ctx, tx, p); return err }); err != nil {
				t.Fatal(err)
			}
			got, err := directory.LoadProfile(ctx, d.Q(), o.ID)
			if err != nil {
				t.Fatal(err)
			}
			w.idents = slices.Sorted(slices.Values(got.Identifiers)) // as stored (upper case)
			wants[name] = w
		}
		wards := directory.Wards()
		org("Zephyr One", []string{wards[3], wards[0]}, []taxonomy.Term{svc[2], cg[0], svc[0]}, []string{"GB-COH-09999999", "GB-CHC-1190001"})
		org("Zephyr Two", []string{wards[1]}, []taxonomy.Term{svc[1]}, nil)
		org("Zephyr Three", nil, nil, []string{"GB-CHC-1190002"})
		for _, f := range []directory.Filter{{Q: "zephyrine", Limit: 20}, {Q: "zephyrine", Sort: "name", Limit: 20},
			{Q: "zephyrine", Sort: "updated", Limit: 20}, {Sector: "vcs", Limit: 500}} {
			res, err := directory.Search(ctx, d.Q(), d.Dialect, f)
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, it := range res.Items {
				w, ok := wants[it.Name]
				if !ok {
					continue
				}
				seen++
				if !slices.Equal(it.Wards, nonNil(w.wards)) || !slices.Equal(it.Services, nonNil(w.services)) || !slices.Equal(it.Identifiers, nonNil(w.idents)) {
					t.Errorf("%+v: %s has wards %q, services %q, identifiers %q; want %q, %q, %q", f, it.Name, it.Wards, it.Services, it.Identifiers, w.wards, w.services, w.idents)
				}
			}
			if seen != len(wants) {
				t.Errorf("%+v: found %d of the %d organisations", f, seen, len(wants))
			}
		}
	})
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
