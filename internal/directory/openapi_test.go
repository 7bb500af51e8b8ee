package directory_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

const openAPIURL = "https://partnerhub.test/api/v1/openapi.json"

// openAPISchemas compiles the schemas the served OpenAPI document declares.
func openAPISchemas(t *testing.T, body string, names ...string) map[string]*jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020) // OpenAPI 3.1's schema dialect
	c.AssertFormat()
	if err := c.AddResource(openAPIURL, doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]*jsonschema.Schema{}
	for _, n := range names {
		s, err := c.Compile(openAPIURL + "#/components/schemas/" + n)
		if err != nil {
			t.Fatalf("compile %s: %v", n, err)
		}
		out[n] = s
	}
	return out
}

func TestOpenAPIDocument(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("ed@example.org", false)
		org := env.Org("Talbot Youth Project", "vcs", map[string]string{"ed@example.org": "owner"})
		env.Org("Layton Lunch Club", "vcs", nil)
		ed := env.As("ed@example.org")
		ed.SendJSON("PATCH", "/api/v1/organizations/"+org.Slug, map[string]any{"postcode": "FY1 3AB", "identifiers": []string{"GB-CHC-1090095"},
			"wards": []string{"Talbot"}, "services": []string{"youth-work"}, "income_band": "10k_100k", "website": "https://talbot.example.org"}).Status(t, 200)

		res := env.Anon().Get("/api/v1/openapi.json").Status(t, 200)
		var doc struct {
			OpenAPI string                                `json:"openapi"`
			Paths   map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal([]byte(res.Body), &doc); err != nil {
			t.Fatalf("openapi.json is not JSON: %v", err)
		}
		if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
			t.Fatalf("openapi %q, want 3.1.x", doc.OpenAPI)
		}
		// Every /api/v1 route of the whole route table is described.
		n := 0
		for _, rt := range env.App.Web.Routes() {
			if !strings.HasPrefix(rt.Path, "/api/v1/") {
				continue
			}
			n++
			if _, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]; !ok {
				t.Errorf("route %s %s is not in the OpenAPI document", rt.Method, rt.Path)
			}
		}
		if n < 6 {
			t.Fatalf("only %d /api/v1 routes in the route table", n)
		}
		// And nothing is described that does not exist.
		for path, ops := range doc.Paths {
			for m := range ops {
				if m == "parameters" {
					continue
				}
				found := false
				for _, rt := range env.App.Web.Routes() {
					found = found || (rt.Path == path && strings.EqualFold(rt.Method, m))
				}
				if !found {
					t.Errorf("the document describes %s %s, which is not a route", strings.ToUpper(m), path)
				}
			}
		}

		schemas := openAPISchemas(t, res.Body, "OrganizationList", "Organization", "Problem")
		// The schemas can fail.
		if schemas["OrganizationList"].Validate(map[string]any{"total": 1, "page": 1, "per_page": 20, "items": []any{map[string]any{"id": "nope"}}, "links": map[string]any{"self": "x", "next": nil, "prev": nil}}) == nil {
			t.Fatal("OrganizationList accepts an invalid item")
		}
		validate := func(name, body string) {
			t.Helper()
			v, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if err := schemas[name].Validate(v); err != nil {
				t.Errorf("%s response does not validate: %v\n%s", name, err, body)
			}
		}
		list := env.Anon().Get("/api/v1/organizations?per_page=1&sort=name").Status(t, 200).Body
		if !strings.Contains(list, "Talbot") && !strings.Contains(list, "Layton") {
			t.Fatalf("list: %s", list)
		}
		validate("OrganizationList", list)
		validate("OrganizationList", env.Anon().Get("/api/v1/organizations?q=youth&ward=Talbot").Status(t, 200).Body)
		validate("OrganizationList", env.Anon().Get("/api/v1/organizations?q=zzzzzz").Status(t, 200).Body)
		validate("Organization", env.Anon().Get("/api/v1/organizations/"+org.Slug).Status(t, 200).Body)
		validate("Problem", env.Anon().Get("/api/v1/organizations?sector=nonsense").Status(t, 422).Body)
		validate("Problem", env.Anon().Get("/api/v1/organizations/nothing-here").Status(t, 404).Body)
		validate("Problem", env.Anon().SendJSON("POST", "/api/v1/organizations", map[string]any{}).Status(t, 401).Body)

		// The ORUK root links to the ORUK endpoints' own document (not this one).
		env.Anon().Get("/api/oruk/").Status(t, 200).Contains(t, "/api/oruk/openapi.json")
	})
}

// TestStatsAPIAnswersItsDocumentedSchema: the stats endpoint's response
// schema in the served OpenAPI document describes the document it sends
// (it was an empty object, which anything matches).
func TestStatsAPIAnswersItsDocumentedSchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		body := env.Anon().Get("/api/v1/openapi.json").Status(t, 200).Body
		var doc apiDoc
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		op := doc.Paths["/api/v1/stats/partnerships"].Get
		if op == nil {
			t.Fatal("no GET /api/v1/stats/partnerships in the document")
		}
		if ref := op.Responses["200"].Content["application/json"].Schema.Ref; ref != "#/components/schemas/PartnershipStats" {
			t.Fatalf("the stats response's schema is %q, want PartnershipStats", ref)
		}
		schema := openAPISchemas(t, body, "PartnershipStats")["PartnershipStats"]
		if schema.Validate(map[string]any{}) == nil {
			t.Fatal("the stats response schema accepts an empty object: it describes nothing")
		}
		stats := env.Anon().Get("/api/v1/stats/partnerships?year=2024").Status(t, 200).Body
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(stats))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(v); err != nil {
			t.Errorf("the stats response does not match its schema: %v\n%s", err, stats)
		}
	})
}
