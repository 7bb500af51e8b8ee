package directory_test

import (
	"context"
	"slices"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
	"partnerhub/internal/taxonomy"
)

// TestFinderTierShortcutsKeepCandidates: the finder's coarse step skips
// tiers that cannot find anything (every need before every need in an
// area; every service only when someone has it) and reads tier 2 before
// tier 1. For every combination of two services, a client group and
// areas, at pools from 1 to 200 and with organisations excluded, the
// candidates are those of every tier read in turn, in the same order;
// and some of the combinations did run fewer statements.
func TestFinderTierShortcutsKeepCandidates(t *testing.T) {
	eachTown3(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc, _ := taxonomy.List(ctx, d.Q(), taxonomy.Services, false)
		cg, _ := taxonomy.List(ctx, d.Q(), taxonomy.ClientGroups, false)
		th, _ := taxonomy.List(ctx, d.Q(), taxonomy.Themes, false)
		if len(svc) < 4 || len(cg) < 2 || len(th) < 1 {
			t.Fatalf("taxonomy too small: %d services, %d client groups, %d themes", len(svc), len(cg), len(th))
		}
		var queries []directory.FinderQuery
		areas := [][]string{nil, {"Talbot"}, {"Talbot", "Park", "Bispham"}}
		for i := 0; i < 4; i++ {
			for j := i + 1; j < 4; j++ {
				for _, a := range areas {
					queries = append(queries,
						directory.FinderQuery{Services: []int64{svc[i].ID, svc[j].ID}, ClientGroups: []int64{cg[0].ID}, Wards: a},
						directory.FinderQuery{Services: []int64{svc[i].ID, svc[j].ID}, Wards: a},
						directory.FinderQuery{Services: []int64{svc[i].ID}, ClientGroups: []int64{cg[j%2].ID}, Themes: []int64{th[0].ID}, Wards: a},
						directory.FinderQuery{Services: []int64{svc[j].ID}, Wards: a, LocalAuthorities: []string{"BPL"}, ExcludeOrgs: []int64{1, 2, 3, 5, 8}},
					)
				}
			}
		}
		queries = append(queries, directory.FinderQuery{ClientGroups: []int64{cg[1].ID}, Complement: 7}, directory.FinderQuery{Complement: 3, Wards: []string{"Layton"}})
		// Each query again without the organisations it finds first, so
		// that exclusions fall among every tier's first ids.
		for _, fq := range queries[:len(queries):len(queries)] {
			fq.Pool = 3
			first, err := directory.FinderCandidatesEveryTier(ctx, d.Q(), d.Dialect, fq)
			if err != nil {
				t.Fatal(fq, err)
			}
			fq.Pool, fq.ExcludeOrgs = 0, append(slices.Clone(fq.ExcludeOrgs), first...)
			queries = append(queries, fq)
		}
		cq, n := dbtest.CountingPool(t, d)
		fewer, nonEmpty := 0, 0
		for _, fq := range queries {
			for _, pool := range []int{1, 2, 5, 20, 200} {
				fq.Pool = pool
				n.Store(0)
				got, err := directory.FinderCandidates(ctx, cq, d.Dialect, fq)
				if err != nil {
					t.Fatal(fq, err)
				}
				short := n.Load()
				n.Store(0)
				want, err := directory.FinderCandidatesEveryTier(ctx, cq, d.Dialect, fq)
				if err != nil {
					t.Fatal(fq, err)
				}
				if !slices.Equal(got, want) {
					t.Errorf("%+v:\nwith shortcuts %v\nevery tier     %v", fq, got, want)
				}
				if short < n.Load() {
					fewer++
				}
				if len(got) > 0 {
					nonEmpty++
				}
			}
		}
		t.Logf("%d of %d query-pool pairs ran fewer statements; %d found candidates", fewer, len(queries)*5, nonEmpty)
		if fewer == 0 || nonEmpty == 0 {
			t.Errorf("the shortcuts were never taken (%d) or nothing was found (%d): the test checks nothing", fewer, nonEmpty)
		}
	})
}
