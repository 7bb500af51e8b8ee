package directory_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/testkit"
)

// TestSearchFastPathMatchesRelational: on the demo town, every filter
// answered with FTS5 filter tokens (SQLite) gives the same total and the
// same page as the plain SQL joins.
func TestSearchFastPathMatchesRelational(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := testkit.Generate(ctx, d, testkit.Options{Seed: 3, Orgs: 120}); err != nil {
			t.Fatal(err)
		}
		svc, _ := taxonomy.List(ctx, d.Q(), taxonomy.Services, false)
		cg, _ := taxonomy.List(ctx, d.Q(), taxonomy.ClientGroups, false)
		// Unlist one organisation that matches "youth".
		var hidden int64
		d.Q().QueryRowContext(ctx, `SELECT id FROM organisations WHERE name LIKE '%Youth%' ORDER BY id LIMIT 1`).Scan(&hidden)
		p, err := directory.LoadProfile(ctx, d.Q(), hidden)
		if err != nil {
			t.Fatal(err)
		}
		p.Published = false
		if err := d.Write(ctx, func(tx *db.Tx) error { _, err := directory.SaveProfile(ctx, tx, p); return err }); err != nil {
			t.Fatal(err)
		}
		// Facet tokens built in Go and in SQL (SQLite) agree.
		for _, id := range []int64{1, 5, hidden} {
			if d.Dialect != db.SQLite {
				break
			}
			g, s, err := directory.FacetTokens(ctx, d.Q(), id)
			if err != nil {
				t.Fatal(err)
			}
			if sorted(g[0]) != sorted(s[0]) || g[1] != s[1] {
				t.Errorf("org %d: Go %q, SQL %q", id, g, s)
			}
		}
		filters := []directory.Filter{
			{Q: "youth"}, {Q: "youth", Ward: "Talbot"}, {Q: "advice", Sector: "vcs", Service: svc[0].ID},
			{Ward: "Park", IncomeBand: "10k_100k"}, {Q: "food", LocalAuthority: "BPL", Sort: "name"},
			{ClientGroup: cg[0].ID, Sort: "updated"}, {Q: "carers", Policy: "safeguarding"}, {LegalForm: "cio", QualityMark: "any"},
			{Q: "blackpool", Limit: 5, Offset: 10}, {Q: "support gro"},
		}
		for _, f := range filters {
			fast, err := directory.Search(ctx, d.Q(), d.Dialect, f)
			if err != nil {
				t.Fatal(f, err)
			}
			slow, err := directory.SearchRelational(ctx, d.Q(), d.Dialect, f)
			if err != nil {
				t.Fatal(f, err)
			}
			if fast.Total != slow.Total || names(fast) != names(slow) {
				t.Errorf("%+v:\nfast %d %s\nslow %d %s", f, fast.Total, names(fast), slow.Total, names(slow))
			}
			for _, it := range fast.Items {
				if it.ID == hidden {
					t.Errorf("%+v: unlisted organisation found", f)
				}
			}
		}
		if res, _ := directory.Search(ctx, d.Q(), d.Dialect, directory.Filter{Q: "youth"}); res.Total == 0 {
			t.Error("youth finds nothing")
		}
	})
}

func sorted(s string) string {
	f := strings.Fields(s)
	sort.Strings(f)
	return strings.Join(f, " ")
}

func names(r directory.Result) string {
	var b strings.Builder
	for _, it := range r.Items {
		fmt.Fprintf(&b, "%s|", it.Name)
	}
	return b.String()
}
