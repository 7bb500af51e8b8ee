package directory_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
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
		// The generator wrote one whole search document per organisation
		// (none name-only: it writes them in bulk, without the trigger's).
		docs := "org_fts"
		if d.Dialect == db.Postgres {
			docs = "org_search"
		}
		var nOrgs, nDocs, nBare int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&nOrgs)
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+docs).Scan(&nDocs)
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM `+docs+` WHERE description = '' OR services = ''`).Scan(&nBare)
		if nOrgs != 120 || nDocs != nOrgs || nBare != 0 {
			t.Errorf("%d organisations, %d search documents, %d without description or services", nOrgs, nDocs, nBare)
		}
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

// TestSearchCapped: with the count cap and the ranking window lowered to
// what the demo town exceeds, totals say "more than", the JSON and the
// page say so, a ranked page keeps the exact order's relative order (it is
// ordered among the window), and a filter-only search by name is exact.
func TestSearchCapped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := testkit.Generate(ctx, d, testkit.Options{Seed: 3, Orgs: 120}); err != nil {
			t.Fatal(err)
		}
		full := map[string]directory.Result{}
		filters := []directory.Filter{{Q: "blackpool", Limit: 500}, {Q: "support", Limit: 500}, {LocalAuthority: "BPL", Limit: 500}, {Limit: 500}, {Q: "blackpool", Sort: "name", Limit: 500}, {Sort: "updated", Limit: 500}, {Sector: "vcs", Sort: "updated", Limit: 500}}
		for _, f := range filters {
			r, err := directory.Search(ctx, d.Q(), d.Dialect, f)
			if err != nil {
				t.Fatal(err)
			}
			if r.TotalCapped || r.Total < 12 {
				t.Fatalf("%+v: total %d capped %v: the town is too small for this test", f, r.Total, r.TotalCapped)
			}
			full[fmt.Sprint(f)] = r
		}
		restore := directory.SetSearchCaps(10, 15)
		defer restore()
		for _, f := range filters {
			want := full[fmt.Sprint(f)]
			rank := map[string]int{}
			for i, it := range want.Items {
				rank[it.UUID] = i
			}
			for _, page := range []directory.Filter{{Limit: 5}, {Limit: 5, Offset: 5}, {Limit: 20, Offset: 12}} {
				g := f
				g.Limit, g.Offset = page.Limit, page.Offset
				got, err := directory.Search(ctx, d.Q(), d.Dialect, g)
				if err != nil {
					t.Fatal(err)
				}
				if !got.TotalCapped || got.Total != 10 {
					t.Errorf("%+v: total %d capped %v, want more than 10", g, got.Total, got.TotalCapped)
				}
				last := -1
				for _, it := range got.Items {
					i, ok := rank[it.UUID]
					if !ok {
						t.Errorf("%+v: %s does not match", g, it.Name)
					}
					if i <= last {
						t.Errorf("%+v: %s out of order", g, it.Name)
					}
					last = i
				}
				exact := got.RankedAmong == 0
				if exact && names(got) != names(directory.Result{Items: want.Items[min(g.Offset, len(want.Items)):min(g.Offset+g.Limit, len(want.Items))]}) {
					t.Errorf("%+v: not ranked among a window, yet\n got %s\nwant page of %s", g, names(got), names(want))
				}
				if f.Q == "" && f.Sort != "updated" && !exact {
					t.Errorf("%+v: a filter-only search by name should be exact", g)
				}
				// SQLite orders a window for words and by last update;
				// PostgreSQL for words in relevance order.
				windowed := (d.Dialect == db.SQLite && (f.Q != "" || f.Sort == "updated")) ||
					(d.Dialect == db.Postgres && f.Q != "" && f.Sort != "name" && f.Sort != "updated")
				if windowed && g.Offset+g.Limit <= 15 && got.RankedAmong != 15 {
					t.Errorf("%+v: ranked among %d, want 15", g, got.RankedAmong)
				}
			}
		}
		env := apptest.New(t, d)
		var js struct {
			Total       int  `json:"total"`
			TotalCapped bool `json:"total_capped"`
		}
		env.Anon().GetAccept("/directory?q=blackpool", "application/json").Status(t, 200).JSON(t, &js)
		if js.Total != 10 || !js.TotalCapped {
			t.Errorf("JSON: %+v", js)
		}
		env.Anon().GetAccept("/api/v1/organizations?q=blackpool", "application/json").Status(t, 200).JSON(t, &js)
		if js.Total != 10 || !js.TotalCapped {
			t.Errorf("API: %+v", js)
		}
		page := env.Anon().Get("/directory?q=blackpool").Status(t, 200).Contains(t, "More than 10 organisations found.")
		page.Contains(t, "These results are ordered among the first 20 matches only.")
	})
}
