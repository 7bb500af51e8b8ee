package outcomes_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/outcomes"
)

func planValues() url.Values {
	return url.Values{"title": {"Wellbeing 2026 to 2029"}, "aim": {"Older people in Blackpool live well and connected"},
		"problem": {"Loneliness"}, "assumptions": {"People come back each week"},
		"start_date": {"2026-04-01"}, "end_date": {"2029-03-31"}, "review_date": {"2027-03-31"}}
}

func newID(t *testing.T, loc, prefix string) int64 {
	t.Helper()
	var id int64
	rest, ok := strings.CutPrefix(loc, prefix)
	if !ok {
		t.Fatalf("redirect %q does not start with %q", loc, prefix)
	}
	if _, err := fmt.Sscanf(rest, "%d", &id); err != nil {
		t.Fatalf("no id in %q", loc)
	}
	return id
}

// TestPlanIndicatorsMeasurements is the owner's whole journey with every
// kind of bad input the issue names: clear messages, input kept, nothing
// written; then the good input stored and shown.
func TestPlanIndicatorsMeasurements(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("owner@example.org", false)
		env.User("viewer@example.org", false)
		env.User("outsider@example.org", false)
		org := env.Org("Blackpool Befriending", "vcs", map[string]string{"owner@example.org": "owner", "viewer@example.org": "viewer"})
		env.Org("Other Charity", "vcs", map[string]string{"outsider@example.org": "owner"})
		c := env.As("owner@example.org")

		// Plan: end before start is refused, input kept; then stored.
		c.RoundTrip(t, "/orgs/"+org.Slug+"/outcomes/new", "", func(v url.Values) {
			for k, vs := range planValues() {
				v[k] = vs
			}
		}, func(v url.Values) { v.Set("end_date", "2025-01-01") }, "The end date must be after the start date", "")
		plans, err := outcomes.PlansFor(ctx, d.Q(), outcomes.OwnerOrg, org.ID)
		if err != nil || len(plans) != 1 {
			t.Fatalf("plans = %v, %v; want one", plans, err)
		}
		p := plans[0]
		base := fmt.Sprintf("/outcomes/plans/%d", p.ID)
		c.Get(base+"/edit").Status(t, 200).Kept(t, "", planValues())

		// Others: viewer reads, cannot edit; outsider gets 404.
		env.As("viewer@example.org").Get(base).Status(t, 200)
		env.As("viewer@example.org").Get(base+"/edit").Status(t, 403)
		env.As("outsider@example.org").Get(base).Status(t, 404)

		// Outcome with a theme.
		c.PostForm(base+"/outcomes/new", url.Values{"title": {""}, "term": {"medium"}}).Status(t, 422).Contains(t, "Enter the change the outcome describes")
		loc := c.PostForm(base+"/outcomes/new", url.Values{"title": {"Older people feel less lonely"}, "term": {"medium"}}).Status(t, 303).Location()
		_ = loc
		full, err := outcomes.GetPlan(ctx, d.Q(), p.ID)
		if err != nil || len(full.Outcomes) != 1 {
			t.Fatalf("outcomes = %v, %v", full, err)
		}
		oid := fmt.Sprint(full.Outcomes[0].ID)

		// Indicator: target date before baseline, and text in a numeric
		// baseline: each refused with its message, input kept.
		ind := url.Values{"outcome_id": {oid}, "name": {"People attending weekly"}, "kind": {"numeric"}, "unit": {"people"}, "frequency": {"quarterly"},
			"baseline_value": {"40"}, "baseline_date": {"2026-04-01"}, "target_value": {"80"}, "target_date": {"2029-03-31"}, "parts": {"Under 65\n65 and over"}}
		bad := cloneV(ind)
		bad.Set("target_date", "2026-01-01")
		c.PostForm(base+"/indicators/new", bad).Status(t, 422).Contains(t, "The target date must be after the baseline date").Kept(t, "", bad)
		bad = cloneV(ind)
		bad.Set("baseline_value", "about forty")
		c.PostForm(base+"/indicators/new", bad).Status(t, 422).Contains(t, "enter a number, like 42").Kept(t, "", bad)
		if n := count(t, d, "outcome_indicators"); n != 0 {
			t.Fatalf("a refused indicator was written (%d)", n)
		}
		loc = c.PostForm(base+"/indicators/new", ind).Status(t, 303).Location()
		indID := newID(t, loc, base+"/indicators/")
		indURL := fmt.Sprintf("%s/indicators/%d", base, indID)
		c.Get(indURL+"/edit").Status(t, 200).Kept(t, "", ind)

		// Measurements: outside the plan, parts not adding up, text value.
		m := url.Values{"period": {"2026-Q2"}, "value": {"50"}, "part_0": {"20"}, "part_1": {"30"}, "people": {"50"}, "source": {"Register"}, "note": {""}}
		bad = cloneV(m)
		bad.Set("period", "2025-Q1")
		c.PostForm(indURL+"/measurements/new", bad).Status(t, 422).Contains(t, "2025-Q1 is outside the plan").Kept(t, "", bad)
		bad = cloneV(m)
		bad.Set("part_1", "25")
		c.PostForm(indURL+"/measurements/new", bad).Status(t, 422).Contains(t, "The parts add up to 45 but the total is 50").Kept(t, "", bad)
		bad = cloneV(m)
		bad.Set("value", "fifty")
		c.PostForm(indURL+"/measurements/new", bad).Status(t, 422).Contains(t, "Value: enter a number").Kept(t, "", bad)
		bad = cloneV(m)
		bad.Set("period", "2026-06")
		c.PostForm(indURL+"/measurements/new", bad).Status(t, 422).Contains(t, "Enter the period as a quarter, like 2026-Q1")
		if n := count(t, d, "outcome_measurements"); n != 0 {
			t.Fatalf("a refused measurement was written (%d)", n)
		}
		c.PostForm(indURL+"/measurements/new", m).Status(t, 303)
		m2 := cloneV(m)
		m2.Set("period", "2026-Q3")
		m2.Set("value", "62")
		m2.Set("part_0", "30")
		m2.Set("part_1", "32")
		c.PostForm(indURL+"/measurements/new", m2).Status(t, 303)

		// The chart page: an SVG line chart, the table, and the status by
		// the rule written on the page. At 2026-Q3's end (30 September) the
		// trajectory from 40 to 80 over three years expects about 46.7: 62 is
		// on track.
		page := c.Get(indURL).Status(t, 200).Contains(t, "<svg", "2026-Q2", "2026-Q3", "On track", "Trajectory to target", "The trajectory is a straight line")
		_ = page
		c.Get(base+"/report").Status(t, 200).Contains(t, "Progress by indicator", "People attending weekly", "62 (2026-Q3)")
		csv := c.Get(base+"/measurements?format=csv").Status(t, 200).Body
		if !strings.Contains(csv, "2026-Q3") || !strings.Contains(csv, "65 and over=32") {
			t.Fatalf("CSV misses measurements:\n%s", csv)
		}

		// Revising keeps the old version readable.
		rv := planValues()
		rv.Set("title", "Wellbeing plan, revised")
		rv.Set("note", "")
		c.PostForm(base+"/revise", rv).Status(t, 422).Contains(t, "Say what the review found").Kept(t, "", rv)
		rv.Set("note", "Added a target for 2029")
		c.PostForm(base+"/revise", rv).Status(t, 303)
		c.Get(base+"/versions/1").Status(t, 200).Contains(t, "Wellbeing 2026 to 2029", "Added a target for 2029")
		c.Get(base).Status(t, 200).Contains(t, "Wellbeing plan, revised", "version 2")
		// Plan dates that would strand a measurement are refused.
		pv := planValues()
		pv.Set("start_date", "2026-10-01")
		pv.Set("end_date", "2029-03-31")
		c.PostForm(base+"/edit", pv).Status(t, 422).Contains(t, "would leave measurements already recorded outside the plan")
	})
}

func cloneV(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.Q().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
