package directory

import (
	"context"
	"slices"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestStepFilterManyMatchesPagesByName: a step held by more organisations
// than are counted (the listing then walks the name index on SQLite, see
// Search) pages through exactly the organisations on the step, by name;
// a step held by few keeps the other plan and gives the same order.
func TestStepFilterManyMatchesPagesByName(t *testing.T) {
	oldCap, oldFilter := countCap, stepFilter
	countCap = 3
	defer func() { countCap, stepFilter = oldCap, oldFilter }()
	// Steps by the id's parity, so the test needs no outcomes tables.
	SetStepFilter(StepFilter{Labels: []string{"even", "odd"}, SQL: func(step int, id string, arg func(any) string) string {
		return id + ` % 2 = ` + arg(step)
	}})
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var odd, even []string
		for _, n := range []string{"Zeta", "Alpha", "Mu", "Beta", "Kappa", "Delta", "Eta", "Iota", "Gamma", "Omega"} {
			o := newOrg(t, d, n+" Trust", "vcs", "charity")
			if o.ID%2 == 1 {
				odd = append(odd, o.Name)
			} else {
				even = append(even, o.Name)
			}
		}
		slices.Sort(odd)
		slices.Sort(even)
		for step, want := range [][]string{even, odd} {
			var got []string
			for off := 0; off < len(want); off += 2 {
				r, err := Search(ctx, d.Q(), d.Dialect, Filter{OutcomesStep: []string{"0", "1"}[step], Sort: "name", Limit: 2, Offset: off})
				if err != nil {
					t.Fatal(err)
				}
				if !r.TotalCapped {
					t.Errorf("step %d: %d organisations counted, not capped at %d", step, r.Total, countCap)
				}
				for _, it := range r.Items {
					got = append(got, it.Name)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("step %d pages: %v, want %v", step, got, want)
			}
		}
	})
}
