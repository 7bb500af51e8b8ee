package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The demo town's logins share this password (internal/testkit).
const psDemoPassword = "tangerine-tower-promenade"

// psDemoServer generates a small demo town (`partnerhub demo --orgs 80`)
// in a directory of its own and serves it on a random port; the server
// stops when the test ends, and the test fails if it logged an error.
func psDemoServer(t *testing.T) *server { return psDemoServerWith(t, nil) }

// psDemoServerWith is psDemoServer with prepare, when not nil, run on the
// demo's data directory before the server starts (a journey's fixtures).
func psDemoServerWith(t *testing.T, prepare func(dir string)) *server {
	t.Helper()
	bin := app(t).Bin
	dir := filepath.Join(t.TempDir(), "demo")
	demo := exec.Command(bin, "demo", "--data-dir", dir, "--orgs", "80")
	start := time.Now()
	out, err := demo.CombinedOutput()
	phaseAdd("demo (CLI)", time.Since(start), demo.ProcessState)
	if err != nil {
		t.Fatalf("partnerhub demo: %v\n%s", err, out)
	}
	if prepare != nil {
		prepare(dir)
	}
	s, err := startServer(bin, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if bad := s.stop(); bad != "" {
			t.Errorf("the demo server logged errors:\n%s", bad)
		}
	})
	return s
}

// psVisit opens path on the demo server, wants status 200 and checks
// the page (structure and axe-core).
func psVisit(t *testing.T, ctx context.Context, s *server, path, name string) {
	t.Helper()
	if st := visit(t, ctx, s.url(path)); st != http.StatusOK {
		t.Fatalf("GET %s (%s): status %d: %s", path, name, st, text(t, ctx, "main"))
	}
	checkPage(t, ctx, name)
}

// psSignIn signs in on the demo server through its form.
func psSignIn(t *testing.T, ctx context.Context, s *server, email string) {
	t.Helper()
	if st := visit(t, ctx, s.url("/signin")); st != http.StatusOK {
		t.Fatalf("GET /signin: status %d", st)
	}
	fill(t, ctx, "email", email, "password", psDemoPassword)
	if st := submit(t, ctx, `main form[action="/signin"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("sign in as %s: status %d: %s", email, st, text(t, ctx, "main"))
	}
	secondStep(t, ctx, s.DataDir, email)
	if count(t, ctx, `form[action="/signout"]`) != 1 {
		t.Fatalf("signing in as %s failed: %s", email, text(t, ctx, "main"))
	}
}

// evSetValues sets form fields by id to values, in order, as a script
// would: for date and time inputs, whose typed form depends on the
// browser's locale (fill types keys, which suits text fields).
func evSetValues(t testing.TB, ctx context.Context, fields ...string) {
	t.Helper()
	for i := 0; i+1 < len(fields); i += 2 {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
			`(() => { const e = document.getElementById(%q); if (!e) return '<missing>'; e.value = %q; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return e.value; })()`,
			fields[i], fields[i+1])))
		if err != nil || got != fields[i+1] {
			t.Fatalf("set #%s to %q: got %q (%v)", fields[i], fields[i+1], got, err)
		}
	}
}

// evAttr returns an attribute of the first element matching sel ("" if none).
func evAttr(t testing.TB, ctx context.Context, sel, name string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { const e = document.querySelector(%q); return e ? (e.getAttribute(%q) || '') : ''; })()`, sel, name)))
	if err != nil {
		t.Fatalf("read %s[%s]: %v", sel, name, err)
	}
	return v
}

// psDemoPages walks the partnership, consortium, measures, map and
// events pages of the demo town; who says who is looking; full adds the
// filters, pagination and the pages behind the first links.
func psDemoPages(t *testing.T, ctx context.Context, s *server, who string, full bool) {
	t.Helper()
	// The list, filtered by model, and its second page.
	psVisit(t, ctx, s, "/partnerships", who+": partnerships")
	if n := count(t, ctx, `main table tbody tr`); n < 10 {
		t.Errorf("%s: the demo's partnership list shows %d rows", who, n)
	}
	if !full {
		// The same pages, once each, as seen signed in.
		href := evAttr(t, ctx, `main table tbody th a[href^="/partnerships/"]`, "href")
		for _, p := range []string{href, "/consortia", "/partnerships/measures", "/network-map", "/events"} {
			psVisit(t, ctx, s, p, who+": "+p)
		}
		return
	}
	choose(t, ctx, "model", "informal_network")
	if st := submit(t, ctx, `main form.ph-filters button[type=submit]`); st != http.StatusOK {
		t.Fatalf("%s: filter partnerships: status %d", who, st)
	}
	if q := location(t, ctx).Query().Get("model"); q != "informal_network" {
		t.Errorf("%s: filtering by model leads to %s", who, location(t, ctx))
	}
	checkPage(t, ctx, who+": partnerships filtered by model")
	models, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('main table tbody tr td:nth-of-type(1)')].map(td => td.innerText)`))
	if err != nil || len(models) == 0 {
		t.Fatalf("%s: the filtered list is empty (%v)", who, err)
	}
	for _, m := range models {
		if m != "Informal network" {
			t.Errorf("%s: the list filtered by informal networks shows a %q", who, m)
			break
		}
	}
	if count(t, ctx, `nav.ph-pagination a[rel=next]`) != 1 {
		t.Fatalf("%s: the filtered list has no next-page link", who)
	}
	if st := submit(t, ctx, `nav.ph-pagination a[rel=next]`); st != http.StatusOK {
		t.Fatalf("%s: next page: status %d", who, st)
	}
	if u := location(t, ctx); u.Query().Get("page") != "2" || u.Query().Get("model") != "informal_network" {
		t.Errorf("%s: the next-page link leads to %s, want page 2 with the filter kept", who, u)
	}
	checkPage(t, ctx, who+": partnerships page 2")

	// A partnership's page, from the list.
	href := evAttr(t, ctx, `main table tbody th a[href^="/partnerships/"]`, "href")
	if href == "" {
		t.Fatalf("%s: the list links to no partnership", who)
	}
	psVisit(t, ctx, s, href, who+": a partnership")
	if count(t, ctx, `main table tbody tr`) < 2 {
		t.Errorf("%s: %s lists fewer than two members", who, href)
	}

	// Consortia, one consortium, and the town's definition.
	psVisit(t, ctx, s, "/consortia", who+": consortia")
	href = evAttr(t, ctx, `main a[href^="/partnerships/"]:not([href^="/partnerships/measures"])`, "href")
	if href == "" {
		t.Fatalf("%s: /consortia links to no consortium", who)
	}
	psVisit(t, ctx, s, href, who+": a consortium")
	if !strings.Contains(text(t, ctx, "main"), "Consortium") {
		t.Errorf("%s: %s does not say it is a consortium", who, href)
	}
	psVisit(t, ctx, s, "/consortia/definition", who+": the definition of a consortium")

	// The measures: charts, each beside a table.
	psVisit(t, ctx, s, "/partnerships/measures", who+": partnership measures")
	if n := count(t, ctx, `main figure svg`); n == 0 {
		t.Errorf("%s: the measures page draws no chart", who)
	}
	if n := count(t, ctx, `main table`); n < 2 {
		t.Errorf("%s: the measures page has %d tables", who, n)
	}
	year := choose(t, ctx, "year", "2015")
	if st := submit(t, ctx, `main form.ph-filters button[type=submit]`); st != http.StatusOK {
		t.Fatalf("%s: measures for %s: status %d", who, year, st)
	}
	if h := text(t, ctx, "h1"); !strings.Contains(h, "2015") {
		t.Errorf("%s: the measures for 2015 are headed %q", who, h)
	}
	checkPage(t, ctx, who+": partnership measures for 2015")

	// The network map: SVG, filters, the table alternative.
	psVisit(t, ctx, s, "/network-map", who+": network map")
	if count(t, ctx, `main figure svg`) != 1 {
		t.Errorf("%s: the network map draws no SVG", who)
	}
	all := count(t, ctx, `#table ~ .ph-table-wrap table tbody tr`)
	if all == 0 {
		t.Errorf("%s: the network map's table is empty", who)
	}
	choose(t, ctx, "sector", "public")
	if st := submit(t, ctx, `main form.ph-filters button[type=submit]`); st != http.StatusOK {
		t.Fatalf("%s: filter the map: status %d", who, st)
	}
	checkPage(t, ctx, who+": network map of public-sector organisations")
	if n := count(t, ctx, `#table ~ .ph-table-wrap table tbody tr`); n == 0 || n >= all {
		t.Errorf("%s: filtering the map by the public sector leaves %d of %d organisations", who, n, all)
	}

	// Events.
	psVisit(t, ctx, s, "/events", who+": events")
	href = evAttr(t, ctx, `main .ph-result-list a[href^="/events/"]`, "href")
	if href == "" {
		t.Fatalf("%s: the demo lists no upcoming event", who)
	}
	psVisit(t, ctx, s, href, who+": an event")
	psVisit(t, ctx, s, "/events?when=past&type=trade_fair", who+": past trade fairs")
	href = evAttr(t, ctx, `main .ph-result-list a[href^="/events/"]`, "href")
	if href == "" {
		t.Fatalf("%s: the demo lists no past trade fair", who)
	}
	psVisit(t, ctx, s, href, who+": a past trade fair")
	psVisit(t, ctx, s, "/events/stats", who+": event measures")
}

// TestDemoPartnerships walks the demo town's partnership pages as a visitor
// and as the owner of Blackpool Advocacy, who then records a partnership
// with a second member.
func TestDemoPartnerships(t *testing.T) {
	t.Parallel()
	s := psDemoServer(t)

	t.Run("anonymous", func(t *testing.T) {
		ctx := newTab(t)
		psDemoPages(t, ctx, s, "visitor", true)
	})

	t.Run("owner", func(t *testing.T) {
		ctx := newTab(t)
		psSignIn(t, ctx, s, "owner@demo.partnerhub.test")
		psDemoPages(t, ctx, s, "owner", false)

		// Record a partnership led by Blackpool Advocacy.
		psVisit(t, ctx, s, "/partnerships/new", "new partnership form")
		if st := submit(t, ctx, `main form button[type=submit]`); st != http.StatusUnprocessableEntity {
			t.Errorf("empty partnership form: status %d, want 422", st)
		} else {
			checkPage(t, ctx, "new partnership form with errors")
			if !summaryLinks(t, ctx)["#name"] {
				t.Error("the error summary does not link to the name field")
			}
		}
		// Codes shared by several features keep this feature's words.
		if o := text(t, ctx, `select#origin option[value=other]`); o != "Other" {
			t.Errorf("the “how did it come about” option for other reads %q, want “Other”", o)
		}
		name := fmt.Sprintf("Layton Warm Spaces Consortium %d", time.Now().UnixNano()%100000)
		fill(t, ctx, "name", name, "purpose", "Warm, welcoming spaces in Layton through the winter.", "areas", "Layton, Warbreck")
		evSetValues(t, ctx, "start_date", "2026-10-01")
		choose(t, ctx, "model", "lead_contractor_consortium")
		choose(t, ctx, "status", "active")
		// It began at the most recent event held.
		choose(t, ctx, "origin", "event")
		eventID := choose(t, ctx, "origin_event", "")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#visibility-public`))); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main input[name=theme]`))); err != nil {
			t.Fatal(err)
		}
		if st := submit(t, ctx, `main form button[type=submit]`); st != http.StatusOK {
			t.Fatalf("record the partnership: status %d: %s", st, text(t, ctx, "main"))
		}
		if h := text(t, ctx, "h1"); h != name {
			t.Fatalf("after recording it the page is headed %q, want %q", h, name)
		}
		checkPage(t, ctx, "the new partnership")
		path := location(t, ctx).Path
		eventHref := evAttr(t, ctx, `main dl a[href^="/events/"]`, "href")
		if eventHref == "" {
			t.Errorf("the partnership introduced at event %s does not link to it", eventID)
		}

		// Add Enterprise Solutions as a member.
		fill(t, ctx, "organisation", "Enterprise Solutions")
		evSetValues(t, ctx, "joined", "2026-10-15")
		choose(t, ctx, "role", "member")
		sel := fmt.Sprintf(`main form[action=%q] button[type=submit]`, path+"/members")
		if st := submit(t, ctx, sel); st != http.StatusOK {
			t.Fatalf("add a member: status %d: %s", st, text(t, ctx, "main"))
		}
		checkPage(t, ctx, "the partnership with two members")
		members := text(t, ctx, "#members ~ .ph-table-wrap table tbody")
		if !strings.Contains(members, "Blackpool Advocacy") || !strings.Contains(members, "Enterprise Solutions") {
			t.Errorf("the members table does not list both members:\n%s", members)
		}
		if n := count(t, ctx, `#members ~ .ph-table-wrap table tbody tr`); n != 2 {
			t.Errorf("the partnership has %d member rows, want 2", n)
		}

		// The consortium's own form, opened.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main details summary`))); err != nil {
			t.Fatalf("open the consortium details form: %v", err)
		}
		if count(t, ctx, `main details[open] select#legal_structure`) != 1 {
			t.Fatal("the consortium details form did not open")
		}
		checkA11y(t, ctx, "the consortium's details form, open")

		// The manager's other pages: change details, a membership, and
		// the confirmations before removing a member or deleting.
		psVisit(t, ctx, s, path+"/edit", "change partnership details")
		visit(t, ctx, s.url(path))
		for _, l := range []struct{ sel, name string }{
			{`main a[href*="/members/"][href$="/edit"]`, "change a membership"},
			{`main a[href*="/members/"][href$="/remove"]`, "remove a member: are you sure"},
			{`main a[href$="/delete"]`, "delete the partnership: are you sure"},
		} {
			href := evAttr(t, ctx, l.sel, "href")
			if href == "" {
				t.Errorf("the partnership page has no link for %s", l.name)
				continue
			}
			psVisit(t, ctx, s, href, l.name)
			visit(t, ctx, s.url(path))
		}

		// The event counts the partnership it sparked.
		if eventHref != "" {
			visit(t, ctx, s.url(eventHref))
			if n := text(t, ctx, "main dl"); !strings.Contains(n, "recorded as introduced at this event") || strings.Contains(n, "Partnerships sparked\n0 ") {
				t.Errorf("the event page does not count the partnership it sparked:\n%s", n)
			}
		}

		// Anyone can now find it in the list.
		other := newTab(t)
		psVisit(t, other, s, "/partnerships?q="+strings.ReplaceAll(name, " ", "+"), "partnerships searched by name")
		if !strings.Contains(text(t, other, "main table"), name) {
			t.Errorf("searching the list for %q does not find it", name)
		}
	})

	t.Run("administrator", func(t *testing.T) {
		ctx := newTab(t)
		psSignIn(t, ctx, s, "admin@demo.partnerhub.test")
		psVisit(t, ctx, s, "/admin/consortium-definition", "new version of the consortium definition")
		if st := submit(t, ctx, `main form button[type=submit]`); st != http.StatusUnprocessableEntity {
			t.Errorf("an empty definition: status %d, want 422", st)
		}
		checkPage(t, ctx, "consortium definition form with errors")
		psVisit(t, ctx, s, "/admin/partnership-settings", "partnership settings")
	})
}
