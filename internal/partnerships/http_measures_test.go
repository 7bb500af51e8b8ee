package partnerships_test

import (
	"encoding/csv"
	"net/url"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/partnerships"
)

func TestStatsAPIAndDashboard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		partnerships.SeedHandBuilt(t, d)
		var doc struct {
			Year     int    `json:"year"`
			Label    string `json:"label"`
			Measures map[string]struct {
				Value, Previous, Change *float64
			} `json:"measures"`
		}
		env.Anon().Get("/api/v1/stats/partnerships?year=2024").Status(t, 200).JSON(t, &doc)
		if doc.Year != 2024 || doc.Label != "2024" {
			t.Fatalf("year %d label %q", doc.Year, doc.Label)
		}
		o := doc.Measures["organisations_in_partnership"]
		if o.Value == nil || *o.Value != 5 || *o.Previous != 4 || *o.Change != 1 {
			t.Fatalf("organisations_in_partnership = %+v", o)
		}
		if m := doc.Measures["median_consortium_lifespan_days"]; m.Value == nil || *m.Value != 730 {
			t.Fatalf("median = %+v", m)
		}
		// CSV of the same query.
		res := env.Anon().Get("/api/v1/stats/partnerships?year=2024&format=csv").Status(t, 200)
		recs, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range recs {
			if r[0] == "first_time_partners" {
				found = r[2] == "2" && r[3] == "1" && r[4] == "1"
			}
		}
		if !found || recs[0][0] != "measure" {
			t.Fatalf("CSV rows %v", recs)
		}
		env.Anon().Get("/api/v1/stats/partnerships?year=abc").Status(t, 422)

		// The dashboard shows the figures, the charts and the definitions.
		env.Anon().Get("/partnerships/measures?year=2024").Status(t, 200).
			Contains(t, "Partnership measures 2024", "<svg", "Organisations working in partnership", "What the figures mean", "ends on 1 January", "<td class=\"num\">730</td><td class=\"num\">693</td><td class=\"num\">&#43;37</td>").
			NotContains(t, "%!")

		// An admin switches to years starting in April.
		env.User("admin@example.org", true)
		env.User("someone@example.org", false)
		env.As("someone@example.org").PostForm("/admin/partnership-settings", url.Values{"year_start": {"4"}}).Status(t, 403)
		env.As("admin@example.org").PostForm("/admin/partnership-settings", url.Values{"year_start": {"7"}}).Status(t, 422)
		env.As("admin@example.org").PostForm("/admin/partnership-settings", url.Values{"year_start": {"4"}}).Status(t, 303)
		env.Anon().Get("/api/v1/stats/partnerships?year=2024").Status(t, 200).JSON(t, &doc)
		if doc.Label != "2024/25" || *doc.Measures["partnerships_started"].Value != 2 {
			t.Fatalf("April year: %q started %v", doc.Label, doc.Measures["partnerships_started"].Value)
		}
	})
}

// TestMeasuresPageCSVIsForSpreadsheets: the page's CSV download has the
// byte-order mark and CRLF line ends of every list export; the documented
// API's CSV, read by programs, keeps neither.
func TestMeasuresPageCSVIsForSpreadsheets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		partnerships.SeedHandBuilt(t, d)
		page := env.Anon().Get("/partnerships/measures?year=2024").Status(t, 200)
		page.Contains(t, `href="/partnerships/measures?year=2024&amp;format=csv"`)
		for _, res := range []*apptest.Response{
			env.Anon().Get("/partnerships/measures?year=2024&format=csv").Status(t, 200),
			env.Anon().GetAccept("/partnerships/measures?year=2024", "text/csv").Status(t, 200),
		} {
			if !strings.HasPrefix(res.Body, "\ufeffmeasure,") || strings.Count(res.Body, "\n") != strings.Count(res.Body, "\r\n") {
				t.Fatalf("page CSV without byte-order mark or CRLF: %q", res.Body[:min(60, len(res.Body))])
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Fatalf("content type %q", ct)
			}
		}
		api := env.Anon().Get("/api/v1/stats/partnerships?year=2024&format=csv").Status(t, 200).Body
		if !strings.HasPrefix(api, "measure,") || strings.Contains(api, "\r") {
			t.Fatalf("API CSV changed: %q", api[:min(60, len(api))])
		}
		env.Anon().Get("/partnerships/measures?year=2024&format=json").Status(t, 200).Contains(t, `"measures"`)
	})
}
