package directory

import (
	"context"
	"slices"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// Searching behaves like a search engine: small words and word order do
// not matter, compounds match joined and split, and a search that finds
// few organisations offers closer matches and a "did you mean".
func TestSearchLikeASearchEngine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		desc := func(name, text string) int64 {
			o := newOrg(t, d, name, "vcs", "charity")
			p, err := LoadProfile(ctx, d.Q(), o.ID)
			if err != nil {
				t.Fatal(err)
			}
			p.Description = text
			saveProfile(t, d, p)
			return o.ID
		}
		joined := desc("Layton Foodbank", "Emergency food parcels for families")
		split := desc("Bispham Community Pantry", "A food bank and community pantry")
		debt := desc("Money Matters Blackpool", "We help people with debt and benefits")
		debt2 := desc("Claremont Advice Centre", "Free debt advice and help with bills")
		_ = desc("Talbot Gardeners", "Allotments and growing food together")
		foodOnly := desc("Marton Lunch Club", "Hot food for older people every Tuesday")
		s := New(d, nil)

		search := func(q string) (Result, SearchHelp) {
			t.Helper()
			f, v, err := s.expandFilter(ctx, Filter{Q: q, Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Search(ctx, d.Q(), d.Dialect, f)
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			h, err := s.help(ctx, f, v, res)
			if err != nil {
				t.Fatal(err)
			}
			return res, h
		}
		ids := func(items []Item) []int64 {
			var out []int64
			for _, it := range items {
				out = append(out, it.ID)
			}
			slices.Sort(out)
			return out
		}
		want := func(q string, exp ...int64) {
			t.Helper()
			res, _ := search(q)
			slices.Sort(exp)
			if got := ids(res.Items); !slices.Equal(got, exp) {
				t.Errorf("search %q found %v, want %v", q, got, exp)
			}
		}
		want("foodbank", joined, split)
		want("food bank", joined, split)
		want("Food-banks", joined, split)
		want("help with debt", debt, debt2)
		want("debt help", debt, debt2)
		want("the debt", debt, debt2)

		// Every word required, few matches: closer matches lack a word.
		res, h := search("food bills")
		if len(res.Items) != 0 {
			t.Fatalf("food bills found %v", ids(res.Items))
		}
		closer := ids(h.Closer)
		for _, id := range []int64{debt2, foodOnly} {
			if !slices.Contains(closer, id) {
				t.Errorf("closer matches of 'food bills' = %v, lack %d", closer, id)
			}
		}
		// A misspelling gets a "did you mean".
		if _, h := search("emergancy parcels"); h.DidYouMean != "emergency parcels" {
			t.Errorf("did you mean = %q", h.DidYouMean)
		}
		if _, h := search("food parcels"); h.DidYouMean != "" {
			t.Errorf("a correct search got did you mean %q", h.DidYouMean)
		}

	})
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"debt", "debt", 0}, {"emergancy", "emergency", 1}, {"dbet", "debt", 1}, {"advice", "advise", 1}, {"food", "bank", 4}} {
		if got := editDistance(c.a, c.b, 3); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
