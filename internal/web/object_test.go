package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"partnerhub/internal/apperr"
	"partnerhub/internal/config"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/web"
)

// TestObjectPolicies: ObjectRole decides from what the kind's resolver says
// about the object: members of its owning organisations act with their role
// there, people named on it with their own; those who may know it exists
// are refused with 403 (and the resolver's message), anyone else gets
// exactly the 404 of a missing object.
func TestObjectPolicies(t *testing.T) {
	things := map[string]*web.Object{
		"hidden": {Value: "hidden thing", Owners: []int64{1}},
		"shown":  {Value: "shown thing", Owners: []int64{1}, Shown: true, Refusal: "Only the owners' editors can change this thing."},
		"shared": {Value: "shared thing", Owners: []int64{1}, Users: map[int64]web.Role{4: web.RoleEditor}},
		"seen":   {Value: "seen thing", Owners: []int64{1}, Seers: []int64{2}},
		"own":    {Value: "own thing", Owners: []int64{1}, Shown: true, Private: true},
	}
	h := newServerWith(t, func(s *web.Server) {
		s.Resolve("thing", func(r *http.Request) (*web.Object, error) {
			if o, ok := things[r.PathValue("id")]; ok {
				return o, nil
			}
			return nil, apperr.NotFound("thing")
		})
	}, web.Get("/things/{id}/edit", web.ObjectRole("thing", web.RoleEditor), func(w http.ResponseWriter, r *http.Request) error {
		_, err := io.WriteString(w, "editing "+web.ObjectFrom(r.Context()).(string))
		return err
	}))
	for _, c := range []struct {
		id, user string
		want     int
		body     string
	}{
		{"hidden", "", 303, ""},
		{"hidden", "owner", 200, "editing hidden thing"},
		{"hidden", "admin", 200, "editing hidden thing"},
		{"hidden", "viewer", 403, "You do not have permission to do that"},
		{"hidden", "other", 404, "Page not found"},
		{"missing", "other", 404, "Page not found"},
		{"shown", "other", 403, "Only the owners&#39; editors can change this thing."},
		{"shared", "other", 200, "editing shared thing"},
		{"seen", "other", 403, "You do not have permission to do that"},
		{"own", "owner", 200, "editing own thing"},
		{"own", "viewer", 404, "Page not found"},
		{"own", "other", 404, "Page not found"},
	} {
		rec := do(h, "GET", "/things/"+c.id+"/edit", c.user, "", nil)
		if rec.Code != c.want || !strings.Contains(rec.Body.String(), c.body) {
			t.Errorf("%s as %q: %d, want %d with %q", c.id, c.user, rec.Code, c.want, c.body)
		}
	}
	hidden, missing := do(h, "GET", "/things/hidden/edit", "other", "", nil), do(h, "GET", "/things/missing/edit", "other", "", nil)
	strip := func(rec *httptest.ResponseRecorder) string {
		body := strings.ReplaceAll(rec.Body.String(), rec.Header().Get("X-Request-Id"), "")
		return regexp.MustCompile(`nonce="[^"]*"`).ReplaceAllString(body, "")
	}
	if strip(hidden) != strip(missing) {
		t.Error("another organisation's object differs from a missing one")
	}

	// A route naming a kind nobody resolves is refused when the table is built.
	s, err := web.New(config.Default(), slog.New(slog.NewTextHandler(io.Discard, nil)), dbtest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	s.Auth = fakeAuth{}
	if _, err := s.Handler([]web.Route{web.Get("/x/{id}", web.ObjectRole("unknown", web.RoleViewer), ok)}); err == nil || !strings.Contains(err.Error(), "no resolver") {
		t.Fatalf("an object policy without a resolver was accepted: %v", err)
	}
}
