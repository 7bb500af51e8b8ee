package strategy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/strategy"
)

func seeded(t *testing.T, d *db.DB) *apptest.Env {
	t.Helper()
	env := apptest.New(t, d)
	if _, err := env.App.Strategy.Import(env.Ctx, strategy.SeedJSON(), false); err != nil {
		t.Fatal(err)
	}
	env.User("admin@example.org", true)
	env.User("ed@example.org", false)
	return env
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Q().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportExportRoundTrip: the seed imported and exported is the seed;
// a dry run writes nothing; a file failing its schema is refused whole,
// naming the problems, and the strategy in place stays.
func TestImportExportRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@example.org", true)
		s := env.App.Strategy
		// Before any strategy is loaded the pages say so, and reports still build.
		env.Anon().Get("/strategy").Status(t, 200).Contains(t, "No strategy has been loaded yet")
		env.Anon().Get("/reports/state-of-the-sector/2012").Status(t, 200).Contains(t, "No milestones were due in this year")
		env.As("admin@example.org").Get("/admin/strategy").Status(t, 200).Contains(t, "partnerhub import strategy FILE")
		env.As("admin@example.org").Get("/admin/strategy/export").Status(t, 404)
		rep, err := s.Import(env.Ctx, strategy.SeedJSON(), true)
		if err != nil || !rep.DryRun || rep.Rows != 33 {
			t.Fatalf("dry run %+v %v", rep, err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM strategy_aims`); n != 0 {
			t.Fatalf("dry run wrote %d aims", n)
		}
		if _, err := s.Import(env.Ctx, strategy.SeedJSON(), false); err != nil {
			t.Fatal(err)
		}
		got := env.As("admin@example.org").Get("/admin/strategy/export").Status(t, 200)
		if !strings.Contains(got.Header.Get("Content-Disposition"), "strategy.json") {
			t.Errorf("disposition %q", got.Header.Get("Content-Disposition"))
		}
		var a, b strategy.Document
		json.Unmarshal(strategy.SeedJSON(), &a)
		if err := json.Unmarshal([]byte(got.Body), &b); err != nil {
			t.Fatal(err)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Fatalf("export differs from the seed:\n%s\n%s", ja, jb)
		}
		_, err = s.Import(env.Ctx, []byte(`{"title": "T", "starts_on": "2020-01-01", "ends_on": "2021-01-01", "aims": [{"key": "x", "title": "X", "outcomes": [{"title": "o", "measures": ["nope"]}]}]}`), false)
		if err == nil || !strings.Contains(err.Error(), "/aims/0/outcomes/0/measures/0") || !strings.Contains(err.Error(), "nothing was written") {
			t.Fatalf("bad file: %v", err)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM strategy_outcomes`); n != 20 {
			t.Fatalf("a refused file changed the strategy: %d outcomes", n)
		}
	})
}

// event adds a published event starting on day.
func event(t *testing.T, env *apptest.Env, org int64, day time.Time, n int) {
	t.Helper()
	_, err := env.DB.W().ExecContext(env.Ctx, `INSERT INTO events (uuid, slug, organiser_id, title, type, starts_at, ends_at, capacity, status, created_at, updated_at)
		VALUES ($1, $2, $3, 'Networking', 'networking', $4, $5, 10, 'published', $4, $4)`,
		fmt.Sprintf("u-%d", n), fmt.Sprintf("e-%d", n), org, day, day.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
}

// TestOutcomeStatusFollowsTheTrend: an outcome bound (in its admin form)
// to the events held shows green when they rise, red when down is good,
// and green again when it meets its target; the page shows the rule, the
// sparkline and the milestones; the outcome's chart has its table and CSV.
func TestOutcomeStatusFollowsTheTrend(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := seeded(t, d)
		org := env.Org("Layton Lunch Club", "vcs", nil)
		last := time.Now().Year() - 1 // the latest complete (calendar) year
		event(t, env, org.ID, time.Date(last-1, 5, 1, 10, 0, 0, 0, time.UTC), 1)
		for i := 2; i <= 4; i++ {
			event(t, env, org.ID, time.Date(last, time.Month(i), 1, 10, 0, 0, 0, time.UTC), i)
		}
		admin := env.As("admin@example.org")
		id := count(t, d, `SELECT MIN(id) FROM strategy_outcomes`)
		path := "/admin/strategy/outcomes/" + strconv.Itoa(id)
		env.As("ed@example.org").Get(path).Status(t, 403)
		admin.RoundTrip(t, path, path, func(v url.Values) {
			v["measures"] = []string{"strategy_events_held"}
			v.Set("direction", "up")
			v.Set("target", "")
		}, func(v url.Values) { v.Set("target", "lots") }, "Enter the target as a number", path)
		admin.PostForm(path, url.Values{"title": {"T"}, "measures": {"made_up"}, "direction": {"sideways"}}).Status(t, 422).
			Contains(t, "Choose measures from the list", "Choose whether up or down is good")
		anon := env.Anon()
		page := anon.Get("/strategy/outcomes/"+strconv.Itoa(id)).Status(t, 200).Contains(t, "Events and workshops held by year", "Green: improving", "Moved the good way, from 1 to 3", "<caption>Events and workshops held by year")
		_ = page
		csv := anon.Get("/strategy/outcomes/"+strconv.Itoa(id)+"?format=csv").Status(t, 200)
		if !strings.Contains(csv.Body, "Events and workshops held,strategy_events_held") || !strings.Contains(csv.Body, ",1,3") {
			t.Errorf("CSV:\n%s", csv.Body)
		}
		form := admin.Get(path).Form(t, path)
		form.Set("direction", "down")
		admin.PostForm(path, form).Status(t, 303)
		anon.Get("/strategy/outcomes/"+strconv.Itoa(id)).Status(t, 200).Contains(t, "Red: getting worse", "Down is good")
		form.Set("direction", "up")
		form.Set("target", "2")
		admin.PostForm(path, form).Status(t, 303)
		anon.Get("/strategy").Status(t, 200).Contains(t, "Encouraging Partnerships", "Preparing for a Commissioning Environment",
			"3 meets the target of 2", `class="ph-sparkline"`, "How the status is worked out", "An outcome with several measures takes the worst status",
			"Publish a good practice guide to Consortia", `href="/library/good-practice-guide-to-consortia"`, "Overdue")
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action = 'strategy.outcome.update'`); n != 3 {
			t.Errorf("%d audit records", n)
		}
	})
}

// TestMilestoneForms: an admin adds, edits (a bad date keeps every value)
// and deletes (after confirming) a milestone, each audited.
func TestMilestoneForms(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := seeded(t, d)
		admin := env.As("admin@example.org")
		id := count(t, d, `SELECT id FROM strategy_milestones WHERE title LIKE 'Blackpool celebrates%'`)
		path := "/admin/strategy/milestones/" + strconv.Itoa(id)
		admin.RoundTrip(t, path, path, func(v url.Values) {
			v.Set("status", "done")
			v.Set("evidence", "State of the Sector 2012 | /reports/state-of-the-sector/2012\n")
			v.Set("note", "Celebrated at the 2013 conference.")
		}, func(v url.Values) { v.Set("due_on", "31/02/2013"); v.Set("evidence", "Bad | javascript:alert(1)") }, "Enter the date as YYYY-MM-DD", path)
		env.Anon().Get("/strategy").Contains(t, "Celebrated at the 2013 conference.", `href="/reports/state-of-the-sector/2012"`)
		admin.PostForm("/admin/strategy/milestones/new", url.Values{"title": {""}, "due_on": {"2013-06-30"}, "status": {"soon"}}).Status(t, 422).
			Contains(t, "Enter the milestone", "Choose the milestone&#39;s status", `value="2013-06-30"`)
		admin.PostForm("/admin/strategy/milestones/new", url.Values{"title": {"Review the strategy"}, "due_on": {"2013-06-30"}, "status": {"planned"}, "aim": {""}}).Status(t, 303)
		nid := count(t, d, `SELECT id FROM strategy_milestones WHERE title = 'Review the strategy'`)
		admin.Get(fmt.Sprintf("/admin/strategy/milestones/%d/delete", nid)).Status(t, 200).Contains(t, "Are you sure you want to delete the milestone")
		if n := count(t, d, `SELECT COUNT(*) FROM strategy_milestones WHERE id = $1`, nid); n != 1 {
			t.Fatal("the confirmation page deleted")
		}
		admin.PostForm(fmt.Sprintf("/admin/strategy/milestones/%d/delete", nid), url.Values{}).Status(t, 303)
		if n := count(t, d, `SELECT COUNT(*) FROM strategy_milestones WHERE id = $1`, nid); n != 0 {
			t.Fatal("not deleted")
		}
		admin.Get(fmt.Sprintf("/admin/strategy/milestones/%d", nid)).Status(t, 404)
		if n := count(t, d, `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'strategy.milestone.%'`); n != 3 {
			t.Errorf("%d audit records", n)
		}
	})
}

// TestReportPublishedIsFrozen: the draft follows the records; publishing
// freezes figures and commentary with the hash of the data; later edits
// change neither; publishing twice and editing a published year's
// commentary are refused with a message; small counts are suppressed;
// the JSON, CSV and PDF are served.
func TestReportPublishedIsFrozen(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := seeded(t, d)
		admin, anon := env.As("admin@example.org"), env.Anon()
		for i := 0; i < 3; i++ {
			o := env.Org(fmt.Sprintf("Layton Group %d", i), "vcs", nil)
			d.W().ExecContext(env.Ctx, `INSERT INTO org_areas (organisation_id, kind, code) VALUES ($1, 'ward', 'Layton')`, o.ID)
		}
		base := "/reports/state-of-the-sector/2012"
		anon.Get(base).Status(t, 200).Contains(t, "Draft", "The sector&#39;s size and shape", "Milestones of the year", "Increase in number of Organisations working in Partnership")
		anon.Get(base+"?format=csv&chart=size/ward").Status(t, 200).Contains(t, "Layton,fewer than 5")
		anon.Get("/reports/state-of-the-sector/1800").Status(t, 404)
		anon.Get("/reports/state-of-the-sector/abc").Status(t, 404)
		anon.Get(base+"?format=csv&chart=size/nothing").Status(t, 404)
		anon.Get("/strategy/outcomes/999999").Status(t, 404)
		anon.Get("/strategy/outcomes/x").Status(t, 404)
		anon.Get(fmt.Sprintf("/reports/state-of-the-sector/%d", time.Now().Year()+1)).Status(t, 404)
		env.As("ed@example.org").Get("/admin"+base).Status(t, 403)

		admin.Get("/admin"+base).Status(t, 200).Contains(t, "Commentary on Partnership working")
		admin.PostForm("/admin"+base+"/commentary/partnership", url.Values{"body-partnership": {"**More** organisations worked together."}}).Status(t, 303)
		admin.PostForm("/admin"+base+"/commentary/nonsense", url.Values{"body-nonsense": {"x"}}).Status(t, 404)
		anon.Get(base).Contains(t, "<strong>More</strong> organisations worked together.")

		admin.Get("/admin"+base+"/publish").Status(t, 200).Contains(t, "Are you sure you want to publish")
		if n := count(t, d, `SELECT COUNT(*) FROM sector_reports`); n != 0 {
			t.Fatal("the confirmation page published")
		}
		admin.PostForm("/admin"+base+"/publish", url.Values{}).Status(t, 303)
		before := anon.Get(base+"?format=json").Status(t, 200).Body
		var rep strategy.Report
		json.Unmarshal([]byte(before), &rep)
		hash := rep.Hash
		if rep.Status != "published" || len(hash) != 64 {
			t.Fatalf("published %s %q", rep.Status, hash)
		}
		if h, _ := rep.ComputeHash(); h != hash {
			t.Fatalf("hash %s, recomputed %s", hash, h)
		}
		anon.Get(base).Contains(t, "Published", hash)

		// Later edits: a milestone of 2012 changes, an organisation joins.
		id := count(t, d, `SELECT id FROM strategy_milestones WHERE title LIKE 'Launch of Outcomes%'`)
		form := admin.Get(fmt.Sprintf("/admin/strategy/milestones/%d", id)).Form(t, fmt.Sprintf("/admin/strategy/milestones/%d", id))
		form.Set("status", "done")
		form.Set("title", "Launch of Outcomes Framework Guide (late)")
		admin.PostForm(fmt.Sprintf("/admin/strategy/milestones/%d", id), form).Status(t, 303)
		env.Org("Late Comers", "faith", nil)
		if after := anon.Get(base + "?format=json").Body; after != before {
			t.Fatal("the published report changed after records were edited")
		}
		anon.Get("/reports/state-of-the-sector/2013").Contains(t, "Draft")
		var draft strategy.Report
		anon.Get("/reports/state-of-the-sector/2011?format=json").JSON(t, &draft)
		if draft.Status != "draft" || draft.Hash != "" {
			t.Fatalf("2011 is not a draft: %s", draft.Status)
		}

		admin.PostForm("/admin"+base+"/publish", url.Values{}).Status(t, 409).Contains(t, "has already been published")
		admin.Get("/admin"+base+"/publish").Status(t, 200).Contains(t, "already been published")
		admin.PostForm("/admin"+base+"/commentary/size", url.Values{"body-size": {"late words"}}).Status(t, 409)
		if n := count(t, d, `SELECT COUNT(*) FROM sector_reports`); n != 1 {
			t.Fatalf("%d reports", n)
		}
		err := env.DB.Write(env.Ctx, func(tx *db.Tx) error {
			return strategy.Publish(env.Ctx, tx, &strategy.Report{Year: 2012}, 0, time.Now())
		})
		if apperr.Code(err) != apperr.ECONFLICT {
			t.Fatalf("publishing twice: %v", err)
		}

		pdf := anon.Get(base+"/report.pdf").Status(t, 200)
		if ct := pdf.Header.Get("Content-Type"); ct != "application/pdf" || !strings.HasPrefix(pdf.Body, "%PDF-") || len(pdf.Body) < 5000 {
			t.Fatalf("PDF %s, %d bytes", ct, len(pdf.Body))
		}
		if !regexp.MustCompile(`state-of-the-sector-2012\.pdf`).MatchString(pdf.Header.Get("Content-Disposition")) {
			t.Errorf("disposition %q", pdf.Header.Get("Content-Disposition"))
		}
		anon.Get("/reports/state-of-the-sector").Status(t, 200).Contains(t, "State of the Sector 2012")
	})
}
