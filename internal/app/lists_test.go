package app_test

// Every list page of the site answers CSV and JSON through the one list
// helper (web.ServeList): the same filters and permissions as the page,
// every matching row (not the page shown), CSV with a byte-order mark and
// CRLF line ends, JSON in the one envelope.

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/mail"
	"partnerhub/internal/testkit"
)

// listRoute is one list page: who may see it, its path in the demo town,
// and a filter that narrows it ("" for lists without filters).
type listRoute struct {
	pattern string // the route table's pattern
	who     string // "" for the public
	path    string
	filter  string
	col     string // the CSV column compared with the page ("" for the first)
}

// listRoutes are the site's list pages, with parameters from the demo town.
func listRoutes(t *testing.T, ctx context.Context, d *db.DB) []listRoute {
	one := func(query string, args ...any) string {
		t.Helper()
		var s string
		if err := d.Q().QueryRowContext(ctx, query, args...).Scan(&s); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return s
	}
	orgWithEvents := one(`SELECT o.slug FROM events e JOIN organisations o ON o.id = e.organiser_id GROUP BY o.slug ORDER BY COUNT(*) DESC, o.slug LIMIT 1`)
	eventWithBookings := one(`SELECT e.slug FROM event_bookings b JOIN events e ON e.id = b.event_id JOIN organisations o ON o.id = e.organiser_id
		WHERE o.slug = $1 GROUP BY e.slug ORDER BY COUNT(*) DESC, e.slug LIMIT 1`, orgWithEvents)
	booker := one(`SELECT u.email FROM event_bookings b JOIN users u ON u.id = b.user_id GROUP BY u.email ORDER BY COUNT(*) DESC, u.email LIMIT 1`)
	orgWithPosts := one(`SELECT o.slug FROM partner_posts p JOIN organisations o ON o.id = p.organisation_id GROUP BY o.slug ORDER BY COUNT(*) DESC, o.slug LIMIT 1`)
	// The service most posts ask for (the demo's random mix decides which).
	service := one(`SELECT CAST(pt.term_id AS TEXT) FROM partner_post_terms pt JOIN taxonomy_terms t ON t.id = pt.term_id WHERE t.vocabulary = 'service'
		GROUP BY pt.term_id ORDER BY COUNT(*) DESC, pt.term_id LIMIT 1`)
	assessment := one(`SELECT CAST(assessment_id AS TEXT) FROM assess_history GROUP BY assessment_id ORDER BY COUNT(*) DESC, assessment_id LIMIT 1`)
	assessor := one(`SELECT u.email FROM assess_contributors c JOIN users u ON u.id = c.user_id GROUP BY u.email ORDER BY COUNT(*) DESC, u.email LIMIT 1`)
	decided := one(`SELECT CAST(id AS TEXT) FROM assess_assessments WHERE status = 'decided' ORDER BY id LIMIT 1`)
	round := one(`SELECT CAST(round_id AS TEXT) FROM assess_hc_responded x JOIN assess_hc_rounds r ON r.id = x.round_id WHERE r.closed_at IS NOT NULL
		GROUP BY round_id ORDER BY COUNT(*) DESC, round_id LIMIT 1`)
	oppBuyer := one(`SELECT o.slug FROM opportunities p JOIN organisations o ON o.id = p.buyer_org_id GROUP BY o.slug ORDER BY COUNT(*) DESC, o.slug LIMIT 1`)
	oppWithInterest := one(`SELECT p.slug FROM opportunity_interests i JOIN opportunities p ON p.id = i.opportunity_id JOIN organisations o ON o.id = p.buyer_org_id
		WHERE o.slug = $1 GROUP BY p.slug ORDER BY COUNT(*) DESC, p.slug LIMIT 1`, oppBuyer)
	consulted := one(`SELECT o.slug || '/opportunities/' || p.slug FROM consultation_responses r JOIN opportunities p ON p.id = r.opportunity_id JOIN organisations o ON o.id = p.buyer_org_id
		GROUP BY o.slug, p.slug ORDER BY COUNT(*) DESC, p.slug LIMIT 1`)
	orgWithGrants := one(`SELECT o.slug FROM grants g JOIN organisations o ON o.id = g.recipient_org_id GROUP BY o.slug ORDER BY COUNT(*) DESC, o.slug LIMIT 1`)
	orgWithBids := one(`SELECT o.slug FROM bids b JOIN organisations o ON o.id = b.lead_org_id GROUP BY o.slug ORDER BY COUNT(*) DESC, o.slug LIMIT 1`)
	admin := "admin@demo.partnerhub.test"
	return []listRoute{
		{"GET /directory", "", "/directory", "sector=faith", ""},
		{"GET /networks", "", "/networks", "", ""},
		{"GET /partners/find", "", "/partners/find?find=1&ward=Talbot&service=" + service, "", ""}, // more needs find more partners: no narrowing filter
		{"GET /events", "", "/events?when=all", "type=networking", ""},
		{"GET /events/mine", booker, "/events/mine", "", ""},
		{"GET /orgs/{org}/events", admin, "/orgs/" + orgWithEvents + "/events", "", ""},
		{"GET /orgs/{org}/events/{event}/attendees", admin, "/orgs/" + orgWithEvents + "/events/" + eventWithBookings + "/attendees", "", ""},
		{"GET /partnerships", "", "/partnerships", "status=active", ""},
		{"GET /consortia", "", "/consortia", "status=active", ""},
		{"GET /looking-for-partners", "", "/looking-for-partners", "service=" + service, "title"},
		{"GET /orgs/{org}/posts", admin, "/orgs/" + orgWithPosts + "/posts", "", "title"},
		{"GET /quality-mark", "", "/quality-mark", "", ""},
		{"GET /assessments/{id}/history", admin, "/assessments/" + assessment + "/history", "", ""},
		{"GET /admin/users", admin, "/admin/users", "q=admin", "email"},
		{"GET /admin/audit", admin, "/admin/audit", "action=membership.", "action"},
		{"GET /admin/outbox", admin, "/admin/outbox", "to=" + booker, "subject"},
		{"GET /events/stats", "", "/events/stats", "", ""},
		{"GET /assessments", assessor, "/assessments", "", "subject"},
		{"GET /review", admin, "/review", "", "subject"},
		{"GET /health-checks", admin, "/health-checks", "", ""},
		{"GET /assessments/{id}/results", admin, "/assessments/" + decided + "/results", "", ""},
		{"GET /health-checks/{rid}", admin, "/health-checks/" + round, "", ""},
		{"GET /opportunities", "", "/opportunities?status=all", "kind=grant", ""},
		{"GET /orgs/{org}/opportunities", admin, "/orgs/" + oppBuyer + "/opportunities", "", ""},
		{"GET /orgs/{org}/opportunities/{opp}/interests", admin, "/orgs/" + oppBuyer + "/opportunities/" + oppWithInterest + "/interests", "", ""},
		{"GET /alerts", "owner@demo.partnerhub.test", "/alerts", "", "name"},
		{"GET /orgs/{org}/opportunities/{opp}/responses", admin, "/orgs/" + consulted + "/responses", "", "organisation"},
		{"GET /admin/outcomes/ladder", admin, "/admin/outcomes/ladder", "step=4", "organisation"},
		{"GET /library", "", "/library", "kind=template", ""},
		{"GET /compact/signatories", "", "/compact/signatories", "q=blackpool", ""},
		{"GET /compact/disputes", admin, "/compact/disputes", "", ""},
		{"GET /news", "", "/news", "category=consortia", "headline"},
		{"GET /news/stories", "", "/news/stories", "", "headline"},
		{"GET /funding", "", "/funding", "", ""},
		{"GET /funding/grants", "", "/funding/grants", "funder=GB-LAE-BPL", ""},
		{"GET /funding/wards", "", "/funding/wards", "", ""},
		{"GET /funding/themes", "", "/funding/themes", "", ""},
		{"GET /funding/organisations/{org}", "", "/funding/organisations/" + orgWithGrants, "", ""},
		{"GET /admin/grants/matches", admin, "/admin/grants/matches", "", "Recipient key"},
		{"GET /orgs/{org}/bids", admin, "/orgs/" + orgWithBids + "/bids", "status=won", "bid"},
		{"GET /admin/privacy/requests", admin, "/admin/privacy/requests", "", "email"},
		{"GET /orgs/{org}/shortlist", "viewer@demo.partnerhub.test", "/orgs/blackpool-advocacy/shortlist", "", ""},
		{"GET /admin/registers/matches", admin, "/admin/registers/matches", "", "Register name"},
	}
}

var (
	idAttr      = regexp.MustCompile(`\sid="([^"]*)"`)
	exportLinks = regexp.MustCompile(`(?s)href="[^"]*format=csv[^"]*".*href="[^"]*format=json[^"]*"`)
)

// eachDemoTown runs fn, like dbtest.Each, on a demo town of orgs
// organisations, served: the town is generated once per test binary,
// size and database, and each test gets a copy (dbtest.EachSeeded).
func eachDemoTown(t *testing.T, orgs int, fn func(t *testing.T, ctx context.Context, d *db.DB, env *apptest.Env)) {
	t.Helper()
	seed := func(ctx context.Context, d *db.DB) error {
		_, err := testkit.Generate(ctx, d, testkit.Options{Seed: 7, Orgs: orgs})
		return err
	}
	dbtest.EachSeeded(t, fmt.Sprintf("testkit seed 7, %d organisations", orgs), seed, func(t *testing.T, d *db.DB) {
		fn(t, context.Background(), d, apptest.New(t, d))
	})
}

func TestEveryListExportsCSVAndJSON(t *testing.T) {
	eachDemoTown(t, 80, func(t *testing.T, ctx context.Context, d *db.DB, env *apptest.Env) {
		// Audit entries and mail, which the demo town does not make.
		env.As("owner@demo.partnerhub.test").PostForm("/orgs/new", url.Values{"name": {"Layton Lunch Club"}, "sector": {"vcs"}, "legal_form": {"cio"}}).Status(t, 303)
		env.As("owner@demo.partnerhub.test").PostForm("/orgs/new", url.Values{"name": {"Marton Men's Shed"}, "sector": {"vcs"}, "legal_form": {"cio"}}).Status(t, 303)
		env.As("admin@demo.partnerhub.test").PostForm("/admin/privacy/requests", url.Values{"kind": {"access"}, "email": {"asker@example.org"}, "channel": {"post"}, "received_on": {"2026-01-05"}}).Status(t, 303)
		routes := listRoutes(t, ctx, d)
		for i, to := range []string{"someone@example.org", routes[4].who, "else@example.org", routes[4].who} {
			if err := mail.Enqueue(ctx, d.W(), mail.Message{To: to, Subject: fmt.Sprintf("Message %d", i), Body: "Hello", Kind: "test"}); err != nil {
				t.Fatal(err)
			}
		}
		declared := map[string]bool{}
		for _, rt := range env.App.Web.Routes() {
			declared[rt.Pattern()] = true
		}
		for _, lr := range routes {
			t.Run(lr.pattern, func(t *testing.T) {
				if !declared[lr.pattern] {
					t.Fatalf("%s is not in the route table", lr.pattern)
				}
				c := env.As(lr.who)
				all := exportedRows(t, c, lr.path, lr.col)
				if len(all) == 0 {
					t.Fatalf("%s: the demo town has no rows to export", lr.path)
				}
				page := c.Get(withQuery(lr.path, "per_page=500")).Status(t, 200)
				if !exportLinks.MatchString(page.Body) {
					t.Errorf("%s: no links to download the list as CSV and JSON", lr.path)
				}
				uniqueIDs(t, lr.path, page.Body)
				if lr.filter == "" {
					return
				}
				some := exportedRows(t, c, withQuery(lr.path, lr.filter), lr.col)
				if len(some) == 0 || len(some) >= len(all) {
					t.Fatalf("%s: the filter %s keeps %d of %d rows", lr.path, lr.filter, len(some), len(all))
				}
				// The page with the filter shows exactly the rows exported.
				filtered := c.Get(withQuery(lr.path, lr.filter+"&per_page=500")).Status(t, 200).Body
				kept := map[string]bool{}
				for _, r := range some {
					kept[r] = true
					if !strings.Contains(filtered, html.EscapeString(r)) {
						t.Errorf("%s?%s: exported %q is not on the page", lr.path, lr.filter, r)
					}
				}
				for _, r := range all {
					if !kept[r] && strings.Contains(filtered, html.EscapeString(r)) && !containedIn(r, some) {
						t.Errorf("%s?%s: %q is on the page but not in the export", lr.path, lr.filter, r)
					}
				}
			})
		}
		// No list is left out of the table: every other GET route without
		// path values (but {org}) that answers a list CSV is in it.
		listed := map[string]bool{
			// A figures report, not a list: its CSV is made like a list's
			// (byte-order mark, CRLF), its JSON is the documented
			// /api/v1/stats/partnerships document.
			"GET /partnerships/measures": true,
		}
		for _, lr := range routes {
			listed[lr.pattern] = true
		}
		for _, rt := range env.App.Web.Routes() {
			path := strings.ReplaceAll(rt.Path, "{org}", "blackpool-advocacy")
			if rt.Method != "GET" || strings.Contains(path, "{") || listed[rt.Pattern()] {
				continue
			}
			res := env.As("admin@demo.partnerhub.test").Get(withQuery(path, "format=csv"))
			if strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") && strings.HasPrefix(res.Body, "\ufeff") {
				t.Errorf("%s serves a list CSV but is not in listRoutes", rt.Pattern())
			}
		}
		// Exports answer to the page's policy: the public is sent to sign
		// in, another organisation's list looks missing.
		for _, lr := range routes {
			if lr.who == "" {
				continue
			}
			if res := env.Anon().Get(withQuery(lr.path, "format=csv")); res.Code == 200 {
				t.Errorf("%s: the public downloaded the CSV", lr.path)
			}
			if strings.HasPrefix(lr.path, "/orgs/") {
				env.As("partner@demo.partnerhub.test").Get(withQuery(lr.path, "format=json")).Status(t, 404)
			}
		}
	})
}

// exportedRows fetches path as CSV and as JSON (by ?format= and by the
// Accept header), checks the formats and that all four agree, and returns
// the CSV's column col (the first when "").
func exportedRows(t *testing.T, c *apptest.Client, path, col string) []string {
	t.Helper()
	res := c.Get(withQuery(path, "format=csv")).Status(t, 200)
	rows := csvColumn(t, path, res, col)
	if acc := csvColumn(t, path+" (Accept)", c.GetAccept(path, "text/csv").Status(t, 200), col); strings.Join(acc, "\n") != strings.Join(rows, "\n") {
		t.Errorf("%s: Accept: text/csv gives %d rows, format=csv %d", path, len(acc), len(rows))
	}
	for _, res := range []*apptest.Response{c.Get(withQuery(path, "format=json")).Status(t, 200), c.GetAccept(path, "application/json").Status(t, 200)} {
		var env struct {
			Items     []any
			Total     *int
			Truncated *bool
			Links     struct{ Self, Next, Prev *string }
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s: JSON content type %q", path, ct)
		}
		res.JSON(t, &env)
		if env.Items == nil || env.Total == nil || env.Truncated == nil || *env.Truncated || env.Links.Self == nil || env.Links.Next != nil {
			t.Fatalf("%s: not the list envelope: %.300s", path, res.Body)
		}
		if len(env.Items) != len(rows) || *env.Total != len(rows) {
			t.Errorf("%s: JSON has %d items (total %d), CSV %d rows", path, len(env.Items), *env.Total, len(rows))
		}
	}
	return rows
}

func csvColumn(t *testing.T, path string, res *apptest.Response, col string) []string {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("%s: CSV content type %q", path, ct)
	}
	if !strings.HasPrefix(res.Body, "\ufeff") {
		t.Errorf("%s: the CSV has no byte-order mark", path)
	}
	if strings.Count(res.Body, "\n") != strings.Count(res.Body, "\r\n") || !strings.HasSuffix(res.Body, "\r\n") {
		t.Errorf("%s: the CSV's lines do not end CRLF", path)
	}
	if res.Header.Get("X-Total-Count") == "" || res.Header.Get("X-Export-Truncated") != "" {
		t.Errorf("%s: export headers %v", path, res.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\ufeff"))).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("%s: %v", path, err)
	}
	i := 0
	for j, h := range recs[0] {
		if h == col {
			i = j
		}
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[i])
	}
	return out
}

// containedIn: s is part of a kept row's text (so it may be on the page).
func containedIn(s string, kept []string) bool {
	for _, k := range kept {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

func withQuery(path, q string) string {
	if strings.Contains(path, "?") {
		return path + "&" + q
	}
	return path + "?" + q
}

func uniqueIDs(t *testing.T, path, body string) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range idAttr.FindAllStringSubmatch(body, -1) {
		if seen[m[1]] {
			t.Errorf("%s: the id %q is used twice", path, m[1])
		}
		if strings.ContainsAny(m[1], " \t\n") {
			t.Errorf("%s: the id %q has a space", path, m[1])
		}
		seen[m[1]] = true
	}
}

// TestPagesHaveValidUniqueIDs: the measures page's charts and the ward
// check boxes of the finder and profile form have unique ids without spaces.
func TestPagesHaveValidUniqueIDs(t *testing.T) {
	eachDemoTown(t, 40, func(t *testing.T, _ context.Context, d *db.DB, env *apptest.Env) {
		for _, p := range []string{"/partnerships/measures", "/partners/find", "/orgs/blackpool-advocacy/profile"} {
			body := env.As("owner@demo.partnerhub.test").Get(p).Status(t, 200).Body
			uniqueIDs(t, p, body)
			if p != "/partnerships/measures" && !strings.Contains(body, fmt.Sprintf("-%s\"", "squires-gate")) {
				t.Errorf("%s: no check box for Squires Gate", p)
			}
		}
	})
}

// TestAssessmentsHubExportsBothRoles: /assessments shows the assessments
// you work on and those you review; its export is one list whose rows say
// which (role), the same rows as the page's two tables.
func TestAssessmentsHubExportsBothRoles(t *testing.T) {
	eachDemoTown(t, 40, func(t *testing.T, ctx context.Context, d *db.DB, env *apptest.Env) {
		var reviewer string
		var reviewerID, other int64
		if err := d.Q().QueryRowContext(ctx, `SELECT u.email, u.id FROM assess_assessments a JOIN users u ON u.id = a.reviewer_id ORDER BY a.id LIMIT 1`).Scan(&reviewer, &reviewerID); err != nil {
			t.Fatal(err)
		}
		if err := d.Q().QueryRowContext(ctx, `SELECT id FROM assess_assessments WHERE reviewer_id IS NULL OR reviewer_id <> $1 ORDER BY id LIMIT 1`, reviewerID).Scan(&other); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W().ExecContext(ctx, `INSERT INTO assess_contributors (assessment_id, user_id, role, invited_by, created_at) VALUES ($1, $2, 'contributor', $2, $3)`, other, reviewerID, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		var env2 struct {
			Items []struct {
				ID   int64  `json:"id"`
				Role string `json:"role"`
			}
		}
		c := env.As(reviewer)
		c.Get("/assessments?format=json").Status(t, 200).JSON(t, &env2)
		roles := map[string]int{}
		for _, it := range env2.Items {
			roles[it.Role]++
			if it.ID == other && it.Role != "contributor" {
				t.Errorf("assessment %d: role %q, want contributor", other, it.Role)
			}
		}
		if roles["contributor"] != 1 || roles["reviewer"] == 0 || len(roles) != 2 {
			t.Fatalf("roles %v in %+v", roles, env2.Items)
		}
		page := c.Get("/assessments").Status(t, 200)
		page.Contains(t, "Your assessments", "Assessments you review", fmt.Sprintf(`href="/assessments/%d"`, other), "format=csv", "format=json")
		rows := csvColumn(t, "/assessments", c.Get("/assessments?format=csv").Status(t, 200), "role")
		if len(rows) != len(env2.Items) {
			t.Fatalf("CSV %d rows, JSON %d", len(rows), len(env2.Items))
		}
	})
}

// TestFinderNumbersCarryOnAcrossPages: the partner finder's numbered list
// on page 2 starts after page 1's last match, not again at 1.
func TestFinderNumbersCarryOnAcrossPages(t *testing.T) {
	eachDemoTown(t, 40, func(t *testing.T, _ context.Context, d *db.DB, env *apptest.Env) {
		// The ward most organisations serve (the demo's random mix decides which).
		var ward string
		if err := d.Q().QueryRowContext(context.Background(), `SELECT a.code FROM org_areas a WHERE a.kind = 'ward' GROUP BY a.code ORDER BY COUNT(*) DESC, a.code LIMIT 1`).Scan(&ward); err != nil {
			t.Fatal(err)
		}
		path := "/partners/find?find=1&ward=" + url.QueryEscape(ward) + "&per_page=3"
		var all struct{ Total int }
		env.Anon().Get(path+"&format=json").Status(t, 200).JSON(t, &all)
		if all.Total < 4 {
			t.Fatalf("%d matches: too few for two pages of 3", all.Total)
		}
		env.Anon().Get(path).Status(t, 200).Contains(t, `<ol class="ph-result-list" start="1">`)
		env.Anon().Get(path+"&page=2").Status(t, 200).Contains(t, `<ol class="ph-result-list" start="4">`)
	})
}
