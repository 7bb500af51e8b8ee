package directory

import (
	_ "embed"
	"net/http"
	"net/url"

	"partnerhub/internal/web"
)

// openAPIDoc describes /api/v1 (hand-written; openapi_test.go checks that it
// parses, declares OpenAPI 3.1, covers every /api/v1 route of the route
// table and that real responses validate against its schemas).
//
//go:embed openapi.json
var openAPIDoc []byte

// apiQuery are the query parameters openapi.json declares; the handlers
// refuse what it forbids (422) rather than drop the parameter.
var apiQuery = web.MustQueryRules(openAPIDoc)

// CheckAPIQuery checks the query parameters of a GET to path (an /api/v1
// path as the OpenAPI document names it) against the document: a value
// it forbids is a 422 naming the parameter. Features serving /api/v1
// routes described here (partnerships' statistics) call it too.
func CheckAPIQuery(path string, q url.Values) error { return apiQuery.Check(path, q) }

func (s *Service) openAPI(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "public, max-age=3600")
	_, err := w.Write(openAPIDoc)
	return err
}
