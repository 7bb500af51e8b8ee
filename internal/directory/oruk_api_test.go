package directory_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

type orukPage struct {
	TotalItems int  `json:"total_items"`
	PageNumber int  `json:"page_number"`
	Empty      bool `json:"empty"`
	Contents   []struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		ServiceID string `json:"service_id"`
		Service   struct {
			Name string `json:"name"`
		} `json:"service"`
	} `json:"contents"`
}

// names are the service names of a page (of services, or of service at
// locations through their service).
func (p orukPage) names() []string {
	var out []string
	for _, c := range p.Contents {
		out = append(out, c.Name+c.Service.Name)
	}
	return out
}

// TestORUKFiltersPagingAndCORS: the root links to a description of the
// ORUK endpoints; search and taxonomy_term_id filter /services and
// /service_at_locations; a page past the last says empty; page and
// per_page out of the bounds it states answer 422; 404s, 422s and CORS
// preflights carry the CORS header.
func TestORUKFiltersPagingAndCORS(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("ed@example.org", false)
		ctx := t.Context()
		var terms []struct {
			id         int64
			uuid, name string
		}
		rows, err := d.Q().QueryContext(ctx, `SELECT id, uuid, name FROM taxonomy_terms WHERE vocabulary = 'service' AND NOT retired ORDER BY id LIMIT 2`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var x struct {
				id         int64
				uuid, name string
			}
			if err := rows.Scan(&x.id, &x.uuid, &x.name); err != nil {
				t.Fatal(err)
			}
			terms = append(terms, x)
		}
		rows.Close()
		if len(terms) != 2 {
			t.Fatalf("service terms: %v", terms)
		}
		for i, o := range []struct{ name, desc string }{{"Bispham Carers", "A carers' café on Tuesdays"}, {"Layton Lunch Club", "Hot dinners for older people"}} {
			org := env.Org(o.name, "vcs", map[string]string{"ed@example.org": "owner"})
			env.As("ed@example.org").PostForm("/orgs/"+org.Slug+"/profile", url.Values{"name": {o.name}, "sector": {"vcs"}, "legal_form": {"charity"},
				"postcode": {"FY2 9AA"}, "description": {o.desc}, "term": {strconv.FormatInt(terms[i].id, 10)}, "published": {"1"}}).Status(t, 303)
		}
		page := func(path string) orukPage {
			t.Helper()
			res := env.Anon().Get(path).Status(t, 200)
			var p orukPage
			res.JSON(t, &p)
			return p
		}
		for _, list := range []string{"/api/oruk/services", "/api/oruk/service_at_locations"} {
			if p := page(list); p.TotalItems != 2 {
				t.Fatalf("%s: %d items, want 2", list, p.TotalItems)
			}
			for _, q := range []string{"search=CAFÉ", "search=bispham+tuesdays", "taxonomy_term_id=" + terms[0].uuid} {
				p := page(list + "?" + q)
				if p.TotalItems != 1 || len(p.Contents) != 1 || !strings.Contains(p.names()[0], "Bispham Carers") {
					t.Errorf("%s?%s: %d items %v, want Bispham Carers only", list, q, p.TotalItems, p.names())
				}
			}
			if p := page(list + "?search=lunch+tuesdays"); p.TotalItems != 0 || !p.Empty {
				t.Errorf("%s: every search word must match: %+v", list, p)
			}
			if p := page(list + "?search=100%25"); p.TotalItems != 0 {
				t.Errorf("%s: %% is a character, not a wildcard: %+v", list, p)
			}
			if p := page(list + "?taxonomy_term_id=" + terms[1].uuid); p.TotalItems != 1 || !strings.Contains(p.names()[0], "Layton") {
				t.Errorf("%s by the second term: %v", list, p.names())
			}
			if p := page(list + "?page=99999"); !p.Empty || len(p.Contents) != 0 || p.TotalItems != 2 {
				t.Errorf("%s?page=99999: %+v, want empty", list, p)
			}
			if p := page(list + "?page=1&per_page=200"); p.Empty {
				t.Errorf("%s: a full page says empty", list)
			}
			for _, q := range []string{"page=0", "page=-1", "page=abc", "per_page=0", "per_page=201", "per_page=x"} {
				res := env.Anon().Get(list + "?" + q)
				pr := isProblem(t, res, 422)
				if name := strings.SplitN(q, "=", 2)[0]; pr.fields()[name] == "" {
					t.Errorf("%s?%s: the problem does not name %s: %+v", list, q, name, pr)
				}
				if res.Header.Get("Access-Control-Allow-Origin") != "*" {
					t.Errorf("%s?%s: 422 without CORS", list, q)
				}
			}
		}
		isProblem(t, env.Anon().Get("/api/oruk/taxonomy_terms?per_page=500"), 422)
		isProblem(t, env.Anon().Get("/api/oruk/organizations?page=0"), 422)
		if p := page("/api/oruk/taxonomies?per_page=1&page=2"); len(p.Contents) != 1 || p.PageNumber != 2 {
			t.Errorf("taxonomies page 2: %+v", p)
		}

		// 404s carry CORS; so does a preflight.
		for _, path := range []string{"/api/oruk/services/00000000-0000-4000-8000-000000000000", "/api/oruk/organizations/nope", "/api/oruk/nothing-here"} {
			res := env.Anon().Get(path)
			isProblem(t, res, 404)
			if res.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("%s: 404 without CORS", path)
			}
		}
		res := env.Anon().Do("OPTIONS", "/api/oruk/services?search=x", nil, http.Header{"Origin": {"https://validator.example"},
			"Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Headers": {"accept"}}).Status(t, 204)
		if res.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(res.Header.Get("Access-Control-Allow-Methods"), "GET") ||
			res.Header.Get("Access-Control-Allow-Headers") != "accept" {
			t.Errorf("preflight headers: %v", res.Header)
		}

		// The root's openapi_url is the ORUK endpoints' description, which
		// describes every ORUK route and states the paging bounds.
		var root struct {
			OpenAPIURL string `json:"openapi_url"`
		}
		env.Anon().Get("/api/oruk/").Status(t, 200).JSON(t, &root)
		u, err := url.Parse(root.OpenAPIURL)
		if err != nil || u.Path != "/api/oruk/openapi.json" {
			t.Fatalf("openapi_url %q", root.OpenAPIURL)
		}
		res = env.Anon().Get(u.Path).Status(t, 200)
		if res.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Error("the ORUK description lacks CORS")
		}
		var doc struct {
			OpenAPI string                                `json:"openapi"`
			Paths   map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal([]byte(res.Body), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.1") {
			t.Fatalf("ORUK openapi: %v %q", err, doc.OpenAPI)
		}
		n := 0
		for _, rt := range env.App.Web.Routes() {
			p, ok := strings.CutPrefix(rt.Path, "/api/oruk")
			if !ok || rt.Method != "GET" || p == "/" || p == "/{$}" || p == "/openapi.json" {
				continue
			}
			n++
			if _, ok := doc.Paths[p]["get"]; !ok {
				t.Errorf("GET %s is not in the ORUK description", rt.Path)
			}
		}
		if n < 10 || doc.Paths["/"] == nil {
			t.Fatalf("only %d ORUK routes checked", n)
		}
		for _, want := range []string{`"minimum": 1`, `"maximum": 200`, `"taxonomy_term_id"`, `"search"`} {
			if !strings.Contains(res.Body, want) {
				t.Errorf("the ORUK description lacks %s", want)
			}
		}
	})
}
