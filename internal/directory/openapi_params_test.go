package directory_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// docParam is a query parameter as the served document states it (read
// here independently of the server's own reading of the document).
type docParam struct {
	Name, In string
	Schema   map[string]any
}

// TestOpenAPIParametersMatchResponses walks every query parameter of every
// GET operation in /api/v1/openapi.json: a value inside the document's
// bounds (each end of a range, each enum value) answers 200 with a body
// that validates against the operation's response schema; a value outside
// them (one past each end, not a number, not in the enum, too long)
// answers 422 with a problem naming the parameter.
// apiDoc is the served OpenAPI document's GET operations: parameters
// and the schema reference of each response.
type apiDoc struct {
	Paths map[string]struct {
		Get *struct {
			Parameters []docParam `json:"parameters"`
			Responses  map[string]struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"get"`
	} `json:"paths"`
}

func TestOpenAPIParametersMatchResponses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.Org("Talbot Youth Project", "vcs", nil)
		body := env.Anon().Get("/api/v1/openapi.json").Status(t, 200).Body
		var doc apiDoc
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		var paths []string
		for p := range doc.Paths {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		checked := 0
		for _, path := range paths {
			op := doc.Paths[path].Get
			if op == nil || len(op.Parameters) == 0 {
				continue
			}
			ref := op.Responses["200"].Content["application/json"].Schema.Ref
			if ref == "" {
				t.Errorf("GET %s: the 200 response has no JSON schema", path)
				continue
			}
			name := strings.TrimPrefix(ref, "#/components/schemas/")
			schema := openAPISchemas(t, body, name)[name]
			ok200 := func(q url.Values) {
				t.Helper()
				res := env.Anon().Get(path+"?"+q.Encode()).Status(t, 200)
				if q.Get("format") == "csv" {
					return
				}
				var v any
				if err := json.Unmarshal([]byte(res.Body), &v); err != nil {
					t.Fatalf("%s?%s: %v", path, q.Encode(), err)
				}
				if err := schema.Validate(v); err != nil {
					t.Errorf("%s?%s does not validate against %s: %v", path, q.Encode(), name, err)
				}
			}
			bad := func(p, v string) {
				t.Helper()
				pr := isProblem(t, env.Anon().Get(path+"?"+url.Values{p: {v}}.Encode()), 422)
				if pr.fields()[p] == "" {
					t.Errorf("%s?%s=%s: the problem does not name %s: %+v", path, p, v, p, pr)
				}
			}
			ok200(url.Values{})
			for _, p := range op.Parameters {
				if p.In != "query" {
					continue
				}
				s := p.Schema
				num := func(f float64) string { return fmt.Sprint(f) }
				switch s["type"] {
				case "integer":
					checked++
					bad(p.Name, "abc")
					bad(p.Name, "1.5")
					if lo, ok := s["minimum"].(float64); ok {
						ok200(url.Values{p.Name: {num(lo)}})
						bad(p.Name, num(lo-1))
					}
					if hi, ok := s["maximum"].(float64); ok {
						ok200(url.Values{p.Name: {num(hi)}})
						bad(p.Name, num(hi+1))
					}
				case "string":
					if enum, ok := s["enum"].([]any); ok {
						checked++
						for _, e := range enum {
							ok200(url.Values{p.Name: {e.(string)}})
						}
						bad(p.Name, "xml")
					}
					if n, ok := s["maxLength"].(float64); ok {
						checked++
						ok200(url.Values{p.Name: {strings.Repeat("a", int(n))}})
						bad(p.Name, strings.Repeat("a", int(n)+1))
					}
				}
			}
		}
		if checked < 10 {
			t.Fatalf("only %d parameters with bounds checked", checked)
		}
		// The cases the issue names.
		for _, q := range []string{"per_page=0", "per_page=501", "page=0", "service=abc"} {
			isProblem(t, env.Anon().Get("/api/v1/organizations?"+q), 422)
		}
		isProblem(t, env.Anon().Get("/api/v1/stats/partnerships?format=xml"), 422)
	})
}
