package assess_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/assess"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

func TestFrameworkFormEditor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@x.org", true)
		env.User("someone@x.org", false)
		ctx := context.Background()
		pub, err := assess.CurrentFramework(ctx, d.Q(), assess.KeyReadiness)
		if err != nil {
			t.Fatal(err)
		}
		c := env.As("admin@x.org")
		pubURL := fmt.Sprintf("/admin/frameworks/%d", pub.ID)

		// A published version is read-only: no Change links, edits refused.
		c.Get(pubURL).Status(t, 200).Contains(t, "cannot be edited because it is Published", "Create a new version").NotContains(t, "/edit/name", "Edit this draft as JSON")
		c.Get(pubURL+"/edit/name").Status(t, 409)
		c.PostForm(pubURL+"/edit/name", url.Values{"name": {"Hijacked"}}).Status(t, 409).Contains(t, "create a new version instead")
		c.PostForm(pubURL+"/edit/areas/legal/remove", nil).Status(t, 409)

		loc := c.PostForm(pubURL+"/new-version", nil).Status(t, 303).Location()
		base := loc + "/edit"
		c.Get(loc).Status(t, 200).Contains(t, "This version is a draft", base+"/name", base+"/areas/new", base+"/results/new", "Edit this draft as JSON")
		env.As("someone@x.org").PostForm(base+"/name", url.Values{"name": {"Not an admin"}}).Status(t, 403)

		// Name: the framework's own validation gives the message.
		c.Get(base+"/name").Status(t, 200).Contains(t, `value="Commissioning Readiness"`)
		c.PostForm(base+"/name", url.Values{"name": {"  "}}).Status(t, 422).Contains(t, "Enter the framework name", `href="#name"`)
		c.PostForm(base+"/name", url.Values{"name": {"Commissioning Readiness 2027"}, "description": {"Revised."}}).Status(t, 303)

		// A new area comes with its first indicator.
		c.PostForm(base+"/areas/new", url.Values{"weight": {"x"}}).Status(t, 422).Contains(t, "Enter the area name", "Select the rating scale", "Enter the indicator text", `href="#weight"`)
		c.PostForm(base+"/areas/new", url.Values{"title": {"Social value"}, "summary": {"What you add."}, "weight": {"2"}, "text": {"How well do we measure social value?"},
			"scale": {"levels"}, "levels": {"Only one"}, "ind_weight": {"1"}}).Status(t, 422).Contains(t, "Enter between 2 and 10 level descriptors")
		c.PostForm(base+"/areas/new", url.Values{"title": {"Social value"}, "summary": {"What you add."}, "weight": {"2"}, "text": {"How well do we measure social value?"},
			"scale": {"levels"}, "levels": {"Not at all\nSome of it\n\nAll of it"}, "ind_weight": {"1"}}).Status(t, 303)
		c.Get(loc).Status(t, 200).Contains(t, "Social value", "Levels: Not at all, Some of it, All of it")
		c.PostForm(base+"/areas/social_value/indicators/new", url.Values{"text": {"We report social value to commissioners."}, "scale": {"agree5"}, "ind_weight": {"3"}}).Status(t, 303)
		c.PostForm(base+"/areas/nope/indicators/new", url.Values{"text": {"x"}, "scale": {"met"}, "ind_weight": {"1"}}).Status(t, 404)

		f := exported(t, c, loc)
		sv := f.Area("social_value")
		if sv == nil || len(sv.Indicators) != 2 || sv.Weight != 2 || sv.Summary != "What you add." {
			t.Fatalf("social value area %+v", sv)
		}
		second := sv.Indicators[1].Code
		// Reorder: the second indicator up; the new area up one place.
		c.PostForm(base+"/areas/social_value/indicators/"+second+"/move", url.Values{"direction": {"up"}}).Status(t, 303)
		c.PostForm(base+"/areas/social_value/move", url.Values{"direction": {"up"}}).Status(t, 303)
		// Edit an indicator: levels without enough descriptors are refused.
		c.Get(base+"/areas/legal/indicators/leg_board").Status(t, 200).Contains(t, "Our board has the skills", `value="met" checked`)
		c.PostForm(base+"/areas/legal/indicators/leg_board", url.Values{"text": {"Our board meets monthly."}, "scale": {"levels"}, "levels": {"One"}, "ind_weight": {"1"}}).Status(t, 422).Contains(t, "Enter between 2 and 10 level descriptors")
		c.PostForm(base+"/areas/legal/indicators/leg_board", url.Values{"text": {"Our board meets monthly."}, "guidance": {"Minutes."}, "evidence": {"Board minutes."}, "scale": {"agree5"}, "ind_weight": {"2"}}).Status(t, 303)

		// Removal asks first; the last indicator of an area cannot go.
		c.Get(base+"/areas/insurance/indicators/ins_cover/remove").Status(t, 200).Contains(t, "Are you sure you want to remove the indicator")
		c.PostForm(base+"/areas/insurance/indicators/ins_cover/remove", nil).Status(t, 422).Contains(t, "needs at least one indicator")
		c.Get(base+"/areas/insurance/remove").Status(t, 200).Contains(t, "Are you sure you want to remove the area &#34;Insurance&#34; and its 1 indicators")
		c.PostForm(base+"/areas/insurance/remove", nil).Status(t, 303)
		c.PostForm(base+"/areas/legal/indicators/leg_entity/remove", nil).Status(t, 303)

		// Result bands: kept in threshold order; the last band keeps no minimum.
		c.PostForm(base+"/results/new", url.Values{"label": {"Excellent"}, "min_overall": {"150"}, "min_area": {"0"}}).Status(t, 422).Contains(t, "Enter the minimum overall score as a number from 0 to 100")
		c.PostForm(base+"/results/new", url.Values{"label": {"Excellent"}, "min_overall": {"90"}, "min_area": {"60"}, "counts": {"yes"}}).Status(t, 303)
		c.PostForm(base+"/results/not_yet", url.Values{"label": {"Not yet"}, "min_overall": {"10"}, "min_area": {"0"}}).Status(t, 422).Contains(t, "The last result band must have no minimum")
		c.Get(base+"/results/nearly_ready/remove").Status(t, 200).Contains(t, "Are you sure")
		c.PostForm(base+"/results/nearly_ready/remove", nil).Status(t, 303)

		f = exported(t, c, loc)
		if f.Name != "Commissioning Readiness 2027" || f.Description != "Revised." || f.Version != 2 {
			t.Fatalf("name %q description %q version %d", f.Name, f.Description, f.Version)
		}
		var areas []string
		for _, a := range f.Areas {
			areas = append(areas, a.Code)
		}
		// Added last, moved up one, and insurance (before it) removed.
		if i := indexOf(areas, "social_value"); i != len(pub.F.Areas)-2 || indexOf(areas, "insurance") >= 0 {
			t.Fatalf("social value at %d of %v", i, areas)
		}
		sv = f.Area("social_value")
		if sv.Indicators[0].Code != second || sv.Indicators[0].Scale != assess.ScaleAgree5 || sv.Indicators[0].Weight != 3 || len(sv.Indicators[1].Levels) != 3 {
			t.Fatalf("social value indicators %+v", sv.Indicators)
		}
		if _, in := f.Indicator("leg_entity"); in != nil {
			t.Fatal("leg_entity not removed")
		}
		if _, in := f.Indicator("leg_board"); in == nil || in.Text != "Our board meets monthly." || in.Scale != assess.ScaleAgree5 || in.Evidence != "Board minutes." || in.Weight != 2 {
			t.Fatalf("leg_board %+v", in)
		}
		var bands []string
		for _, o := range f.Results {
			bands = append(bands, fmt.Sprintf("%s:%g:%g:%t", o.Code, o.MinOverall, o.MinArea, o.Counts))
		}
		if got := strings.Join(bands, " "); got != "excellent:90:60:true ready:75:50:true not_yet:0:0:false" {
			t.Fatalf("results %s", got)
		}

		// Every change is audited.
		var n int
		if err := d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'framework.%' AND action NOT IN ('framework.import')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 10 {
			t.Fatalf("%d framework edits audited, want 10", n)
		}

		// Once published, the version is read-only too.
		c.PostForm(loc+"/publish", nil).Status(t, 303)
		c.PostForm(base+"/name", url.Values{"name": {"Again"}}).Status(t, 409)
		c.PostForm(base+"/areas/social_value/move", url.Values{"direction": {"down"}}).Status(t, 409)
		if f := exported(t, c, loc); f.Name != "Commissioning Readiness 2027" {
			t.Fatalf("published version changed: %q", f.Name)
		}
	})
}

func exported(t *testing.T, c *apptest.Client, loc string) *assess.Framework {
	t.Helper()
	res := c.Get(loc+"/export").Status(t, 200)
	f, err := assess.ParseFramework([]byte(res.Body))
	if err != nil {
		t.Fatalf("export does not parse: %v", err)
	}
	return f
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
