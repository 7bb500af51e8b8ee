package directory

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes /api/v1 (hand-written; openapi_test.go checks that it
// parses, declares OpenAPI 3.1, covers every /api/v1 route of the route
// table and that real responses validate against its schemas).
//
//go:embed openapi.json
var openAPIDoc []byte

func (s *Service) openAPI(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "public, max-age=3600")
	_, err := w.Write(openAPIDoc)
	return err
}
