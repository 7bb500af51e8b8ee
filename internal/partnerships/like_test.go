package partnerships_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// Wildcards typed into a search box match themselves, not everything.
func TestSearchTreatsWildcardsLiterally(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		now := db.Now()
		if _, err := d.W().ExecContext(context.Background(), `INSERT INTO partnerships (uuid, slug, name, model, status, start_date, created_at, updated_at)
			VALUES ('5b0c2d0e-0000-4000-8000-000000000001', 'alpha-referrals', 'Alpha Referrals', 'referral_partnership', 'active', $1, $2, $2)`, now.Truncate(24*time.Hour), now); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(env.Anon().Get("/partnerships?q=alpha").Status(t, 200).Body, "Alpha Referrals") {
			t.Fatal("a plain search does not find the partnership")
		}
		for _, q := range []string{"%25", "_", "%25%25"} {
			if body := env.Anon().Get("/partnerships?q="+q).Status(t, 200).Body; strings.Contains(body, "Alpha Referrals") {
				t.Errorf("q=%s matched by wildcard", q)
			}
		}
		// Searches are by words, as a search engine reads them: the
		// punctuation between two words separates them, in any order, and
		// a joined form matches the split one.
		for _, q := range []string{"alpha%25referrals", "referral+alpha", "alphareferrals", "the+alpha+referrals"} {
			if body := env.Anon().Get("/partnerships?q="+q).Status(t, 200).Body; !strings.Contains(body, "Alpha Referrals") {
				t.Errorf("q=%s does not find Alpha Referrals", q)
			}
		}
	})
}
