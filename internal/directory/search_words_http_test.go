package directory_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
)

// The directory page and the API search like a search engine: joined and
// split compounds, a "did you mean", and closer matches (search_words.go).
func TestDirectoryPageSearchHelp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.New(t, d)
		desc := func(name, text string) {
			o := env.Org(name, "vcs", nil)
			p, err := directory.LoadProfile(ctx, d.Q(), o.ID)
			if err != nil {
				t.Fatal(err)
			}
			p.Description, p.Published = text, true
			if err := d.Write(ctx, func(tx *db.Tx) error { _, err := directory.SaveProfile(ctx, tx, p); return err }); err != nil {
				t.Fatal(err)
			}
		}
		desc("Layton Foodbank", "Emergency food parcels for families")
		desc("Bispham Community Pantry", "A food bank and community pantry")
		desc("Claremont Advice Centre", "Free debt advice and help with bills")

		body := env.Anon().Get("/directory?q="+url.QueryEscape("emergancy parcels")).Status(t, 200).Body
		if !strings.Contains(body, `id="did-you-mean"`) || !strings.Contains(body, "q=emergency&#43;parcels") {
			i := strings.Index(body, "role=\"status\"")
			t.Errorf("the page lacks the did-you-mean link: %s", body[i:i+600])
		}
		body = env.Anon().Get("/directory?q="+url.QueryEscape("food bills")).Status(t, 200).Body
		if !strings.Contains(body, "Closer matches that lack one of your words") || !strings.Contains(body, "Claremont Advice Centre") {
			t.Errorf("the page lacks the closer matches")
		}
		body = env.Anon().Get("/directory?q=foodbank").Status(t, 200).Body
		if !strings.Contains(body, "Bispham Community Pantry") || !strings.Contains(body, "Layton Foodbank") {
			t.Errorf("the page's foodbank search misses an organisation")
		}
		api := env.Anon().Get("/api/v1/organizations?q="+url.QueryEscape("food bank")).Status(t, 200).Body
		if !strings.Contains(api, "Layton Foodbank") {
			t.Errorf("the API's food bank search misses the joined form: %s", api)
		}
	})
}
