package directory_test

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// orukSchemas compiles the ORUK 3.0 schemas copied into testdata/oruk
// (from ../shared/standards/oruk-3.0/schema; the *_list schemas describe
// one item of a page's contents).
func orukSchemas(t *testing.T) map[string]*jsonschema.Schema {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	out := map[string]*jsonschema.Schema{}
	files, _ := filepath.Glob("testdata/oruk/*.json")
	if len(files) < 8 {
		t.Fatalf("ORUK schemas missing from testdata/oruk (%d files)", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		abs, _ := filepath.Abs(f)
		if err := c.AddResource("file://"+abs, doc); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		s, err := c.Compile("file://" + abs)
		if err != nil {
			t.Fatalf("compile %s: %v", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = s
	}
	return out
}

func TestORUKAPIValidatesAgainstSchemas(t *testing.T) {
	schemas := orukSchemas(t)
	// The validator must be able to fail: bad uuid, missing name.
	if schemas["organization_list"].Validate(map[string]any{"id": "not-a-uuid", "description": "x"}) == nil {
		t.Fatal("schema validation accepts an invalid organization")
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("ed@example.org", false)
		org := env.Org("Bispham Carers", "vcs", map[string]string{"ed@example.org": "owner"})
		hidden := env.Org("Hidden Group", "vcs", map[string]string{"ed@example.org": "owner"})
		env.As("ed@example.org").PostForm("/orgs/"+org.Slug+"/profile", url.Values{"name": {org.Name}, "sector": {"vcs"}, "legal_form": {"charity"},
			"postcode": {"FY2 9AA"}, "identifiers": {"GB-CHC-1090095"}, "description": {"Carers' café"}, "term": {"28", "29"}, "published": {"1"}, "website": {"https://bispham.example.org"}}).Status(t, 303)
		env.As("ed@example.org").PostForm("/orgs/"+hidden.Slug+"/profile", url.Values{"name": {hidden.Name}, "sector": {"vcs"}, "legal_form": {"charity"}}).Status(t, 303)

		validate := func(name string, v any) {
			t.Helper()
			if err := schemas[name].Validate(v); err != nil {
				t.Errorf("%s does not validate: %v", name, err)
			}
		}
		get := func(path string) map[string]any {
			t.Helper()
			res := env.Anon().Get(path).Status(t, 200)
			if res.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("%s: no CORS header", path)
			}
			var m map[string]any
			res.JSON(t, &m)
			return m
		}
		checkPage := func(path, item string) []any {
			t.Helper()
			m := get(path)
			for _, k := range []string{"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"} {
				if _, ok := m[k]; !ok {
					t.Errorf("%s: page lacks %s", path, k)
				}
			}
			cs, _ := m["contents"].([]any)
			for _, c := range cs {
				validate(item, c)
			}
			return cs
		}
		root := get("/api/oruk/")
		if root["version"] != "3.0" {
			t.Errorf("root: %v", root)
		}
		orgs := checkPage("/api/oruk/organizations", "organization_list")
		for _, o := range orgs {
			if o.(map[string]any)["name"] == "Hidden Group" {
				t.Error("unpublished organisation in ORUK")
			}
		}
		if len(orgs) != 1 {
			t.Fatalf("organizations: %v", orgs)
		}
		oid := orgs[0].(map[string]any)["id"].(string)
		validate("organization", get("/api/oruk/organizations/"+oid))
		svcs := checkPage("/api/oruk/services", "service_list")
		if len(svcs) == 0 {
			t.Fatal("no services")
		}
		validate("service", get("/api/oruk/services/"+svcs[0].(map[string]any)["id"].(string)))
		sals := checkPage("/api/oruk/service_at_locations", "service_at_location_list")
		if len(sals) == 0 {
			t.Fatal("no service_at_locations")
		}
		validate("service_at_location", get("/api/oruk/service_at_locations/"+sals[0].(map[string]any)["id"].(string)))
		taxes := checkPage("/api/oruk/taxonomies", "taxonomy")
		validate("taxonomy", get("/api/oruk/taxonomies/"+taxes[0].(map[string]any)["id"].(string)))
		terms := checkPage("/api/oruk/taxonomy_terms?per_page=10&page=2", "taxonomy_term")
		validate("taxonomy_term", get("/api/oruk/taxonomy_terms/"+terms[0].(map[string]any)["id"].(string)))
		env.Anon().Get("/api/oruk/organizations/not-a-uuid").Status(t, 404)
		env.Anon().Get("/api/oruk/services/00000000-0000-4000-8000-000000000000").Status(t, 404)
	})
}
