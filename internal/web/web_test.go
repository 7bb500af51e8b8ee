package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"partnerhub/internal/apperr"
	"partnerhub/internal/config"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/web"
)

// fakeAuth identifies callers by an X-Test-User header (tests only).
type fakeAuth struct{ ids map[string]*web.Identity }

func (f fakeAuth) Identify(r *http.Request) (*web.Identity, error) {
	return f.ids[r.Header.Get("X-Test-User")], nil
}
func (f fakeAuth) ResolveOrg(ctx context.Context, key string) (int64, error) {
	switch key {
	case "a":
		return 1, nil
	case "b":
		return 2, nil
	}
	return 0, apperr.NotFound("organisation")
}

func newServer(t *testing.T, routes ...web.Route) http.Handler {
	t.Helper()
	return newServerWith(t, nil, routes...)
}

// newServerWith is newServer with setup run on the server before the
// handler is built (to register resolvers).
func newServerWith(t *testing.T, setup func(*web.Server), routes ...web.Route) http.Handler {
	t.Helper()
	cfg := config.Default()
	cfg.MaxBodyBytes = 1024
	s, err := web.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), dbtest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	s.Auth = fakeAuth{ids: map[string]*web.Identity{
		"admin":  {UserID: 1, Name: "Admin", Admin: true, Orgs: map[int64]web.Role{}},
		"viewer": {UserID: 2, Name: "Viewer", Orgs: map[int64]web.Role{1: web.RoleViewer}},
		"owner":  {UserID: 3, Name: "Owner", Orgs: map[int64]web.Role{1: web.RoleOwner}},
		"other":  {UserID: 4, Name: "Other", Orgs: map[int64]web.Role{2: web.RoleOwner}},
	}}
	if setup != nil {
		setup(s)
	}
	h, err := s.Handler(append(s.InfoRoutes(), routes...))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func do(h http.Handler, method, path, user string, body string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func ok(w http.ResponseWriter, r *http.Request) error { _, err := io.WriteString(w, "ok"); return err }

func TestRouteWithoutPolicyIsRefused(t *testing.T) {
	cfg := config.Default()
	s, err := web.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), dbtest.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	s.Auth = fakeAuth{}
	if _, err := s.Handler([]web.Route{{Method: "GET", Path: "/x", Handler: ok}}); err == nil || !strings.Contains(err.Error(), "no access policy") {
		t.Fatalf("route without policy accepted: %v", err)
	}
	if _, err := s.Handler([]web.Route{web.Get("/x", web.Public, ok), web.Get("/x", web.Admin, ok)}); err == nil {
		t.Fatal("duplicate route accepted")
	}
	if _, err := s.Handler([]web.Route{web.Get("/things/{id}", web.OrgRole(web.RoleViewer), ok)}); err == nil {
		t.Fatal("organisation policy without {org} accepted")
	}
}

func TestPolicies(t *testing.T) {
	h := newServer(t,
		web.Get("/signed", web.SignedIn, ok),
		web.Get("/admin-only", web.Admin, ok),
		web.Get("/o/{org}/edit", web.OrgRole(web.RoleEditor), ok),
		web.Get("/api/v1/me", web.SignedIn, ok),
	)
	cases := []struct {
		path, user string
		want       int
	}{
		{"/signed", "", 303},
		{"/signed", "viewer", 200},
		{"/api/v1/me", "", 401},
		{"/admin-only", "viewer", 403},
		{"/admin-only", "admin", 200},
		{"/o/a/edit", "viewer", 403},
		{"/o/a/edit", "owner", 200},
		{"/o/a/edit", "admin", 200},
		{"/o/a/edit", "other", 404},
		{"/o/zzz/edit", "other", 404},
		{"/o/a/edit", "", 303},
	}
	for _, c := range cases {
		rec := do(h, "GET", c.path, c.user, "", nil)
		if rec.Code != c.want {
			t.Errorf("%s as %q: %d, want %d", c.path, c.user, rec.Code, c.want)
		}
	}
	// Another organisation's object looks exactly like a missing one.
	a := do(h, "GET", "/o/a/edit", "other", "", nil)
	z := do(h, "GET", "/o/zzz/edit", "other", "", nil)
	strip := func(s string) string {
		i := strings.Index(s, "<code>")
		if i < 0 {
			return s
		}
		return s[:i]
	}
	if strip(a.Body.String()) != strip(z.Body.String()) {
		t.Error("another organisation's page differs from a missing one")
	}
	if loc := do(h, "GET", "/signed?x=1", "", "", nil).Header().Get("Location"); loc != "/signin?next=%2Fsigned%3Fx%3D1" {
		t.Errorf("sign-in redirect: %q", loc)
	}
}

func TestSecurityHeadersAndErrors(t *testing.T) {
	h := newServer(t,
		web.Post("/echo", web.Public, func(w http.ResponseWriter, r *http.Request) error {
			if err := web.ParseForm(r); err != nil {
				return err
			}
			return ok(w, r)
		}),
		web.Get("/boom", web.Public, func(w http.ResponseWriter, r *http.Request) error { panic("secret internals") }),
		web.Get("/fail", web.Public, func(w http.ResponseWriter, r *http.Request) error {
			return apperr.Wrap(apperr.EINTERNAL, "", io.ErrUnexpectedEOF)
		}),
	)
	rec := do(h, "GET", "/", "", "", nil)
	if rec.Code != 200 {
		t.Fatalf("home: %d", rec.Code)
	}
	hd := rec.Header()
	csp := hd.Get("Content-Security-Policy")
	for _, want := range []string{"object-src 'none'", "frame-ancestors 'none'", "script-src 'self' 'nonce-"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("Referrer-Policy") == "" || hd.Get("X-Request-Id") == "" {
		t.Errorf("missing headers: %v", hd)
	}
	if do(h, "GET", "/", "viewer", "", nil).Header().Get("Cache-Control") != "no-store" {
		t.Error("signed-in page is cacheable")
	}
	// Unknown routes 404 with a page; API paths get problem+json.
	if rec := do(h, "GET", "/no/such/page", "", "", nil); rec.Code != 404 || !strings.Contains(rec.Body.String(), "Page not found") {
		t.Errorf("unknown route: %d", rec.Code)
	}
	if rec := do(h, "GET", "/api/nothing", "", "", nil); rec.Code != 404 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown API route: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	// A known path with the wrong method: 405 with Allow.
	if rec := do(h, "DELETE", "/echo", "", "", nil); rec.Code != 405 || rec.Header().Get("Allow") != "POST" {
		t.Errorf("wrong method: %d allow=%q", rec.Code, rec.Header().Get("Allow"))
	}
	// Oversized bodies: 413.
	if rec := do(h, "POST", "/echo", "", "x="+strings.Repeat("a", 4096), nil); rec.Code != 413 {
		t.Errorf("big body: %d", rec.Code)
	}
	// Cross-site POSTs are refused before routing.
	if rec := do(h, "POST", "/echo", "", "x=1", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}); rec.Code != 403 {
		t.Errorf("cross-site POST: %d", rec.Code)
	}
	if rec := do(h, "POST", "/echo", "", "x=1", map[string]string{"Sec-Fetch-Site": "same-origin"}); rec.Code != 200 {
		t.Errorf("same-origin POST: %d", rec.Code)
	}
	// Panics and internal errors: 500 with a reference, no internals.
	for _, p := range []string{"/boom", "/fail"} {
		rec := do(h, "GET", p, "", "", nil)
		body := rec.Body.String()
		if rec.Code != 500 || strings.Contains(body, "secret internals") || strings.Contains(body, "unexpected EOF") || !strings.Contains(body, rec.Header().Get("X-Request-Id")) {
			t.Errorf("%s: %d %q", p, rec.Code, body)
		}
	}
}

func TestStaticAssetsAreHashedAndCached(t *testing.T) {
	h := newServer(t)
	body := do(h, "GET", "/", "", "", nil).Body.String()
	i := strings.Index(body, "/static/app.")
	if i < 0 {
		t.Fatal("no hashed stylesheet link")
	}
	u := body[i : i+strings.Index(body[i:], `"`)]
	rec := do(h, "GET", u, "", "", nil)
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("asset %s: %d %v", u, rec.Code, rec.Header())
	}
	if do(h, "GET", "/static/app.css", "", "", nil).Code != 404 {
		t.Error("unhashed asset URL served")
	}
}

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+44": "'+44", "-3": "'-3", "@SUM": "'@SUM", "\tx": "'\tx", "\rx": "'\rx", "plain": "plain", "": ""} {
		if got := web.SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"/orgs": "/orgs", "//evil.example": "/", "https://evil.example": "/", "/\\evil": "/", "": "/"} {
		if got := web.SafeNext(in, "/"); got != want {
			t.Errorf("SafeNext(%q) = %q", in, got)
		}
	}
}

// TestSafeNextRefusesWhatBrowsersNormaliseOffSite: each of these reads as a
// local path to a naive check, and a browser turns it into another origin
// (tabs and newlines dropped, backslashes read as slashes, ends trimmed).
func TestSafeNextRefusesWhatBrowsersNormaliseOffSite(t *testing.T) {
	for _, in := range []string{
		"/\t/evil.example/x", "/\n/evil.example", "/\r\n/evil.example", "/\x00/evil.example", "/\x7f/evil.example",
		"/\\evil.example", "/a\\..\\\\evil.example", "\\/evil.example", "/\t\\evil.example",
		" //evil.example", "\t//evil.example", "/ /evil.example", "/\u00a0/evil.example", "/\u3002/evil.example",
		"/%2F/evil.example", "/%2f%2fevil.example", "/%5C/evil.example", "/%5c%5cevil.example",
		"///evil.example", "/\v/evil.example", "/\f/evil.example",
		"https:evil.example", "javascript:alert(1)", "evil.example", "./x", "",
	} {
		if got := web.SafeNext(in, "/fallback"); got != "/fallback" {
			t.Errorf("SafeNext(%q) = %q, want the fallback", in, got)
		}
	}
	for _, in := range []string{"/account", "/orgs/fylde-food-bank?tab=members", "/directory?q=a%2Fb&page=2", "/events#today", "/a/b/../c"} {
		if got := web.SafeNext(in, "/fallback"); got != in {
			t.Errorf("SafeNext(%q) = %q, want it kept", in, got)
		}
	}
}

func TestStaticPagesAreSharedOnlyByAnonymousVisitors(t *testing.T) {
	h := newServer(t)
	a := do(h, "GET", "/about", "", "", nil).Body.String()
	b := do(h, "GET", "/about", "", "", nil).Body.String()
	if a != b || !strings.Contains(a, "Sign in") {
		t.Fatal("anonymous about page differs between requests")
	}
	if body := do(h, "GET", "/about", "viewer", "", nil).Body.String(); !strings.Contains(body, "Viewer") || strings.Contains(body, `href="/signin"`) {
		t.Fatal("signed-in visitor got the anonymous page")
	}
	body := do(h, "GET", "/about", "", "", map[string]string{"Cookie": "partnerhub_flash=You+have+signed+out."}).Body.String()
	if !strings.Contains(body, "You have signed out.") {
		t.Fatal("flash message lost on a cached page")
	}
}

// TestClientIPTakesTheAddressTheTrustedProxyAppended: the client writes the
// left of X-Forwarded-For, so a forged entry there must not become its address.
func TestClientIPTakesTheAddressTheTrustedProxyAppended(t *testing.T) {
	for _, c := range []struct {
		trust bool
		hops  int
		xff   []string
		want  string
	}{
		{true, 1, []string{"203.0.113.7"}, "203.0.113.7"},
		{true, 1, []string{"6.6.6.6, 203.0.113.7"}, "203.0.113.7"},
		{true, 1, []string{"6.6.6.6", "203.0.113.7"}, "203.0.113.7"}, // two header lines
		{true, 2, []string{"6.6.6.6, 203.0.113.7, 10.0.0.2"}, "203.0.113.7"},
		{true, 3, []string{"203.0.113.7, 10.0.0.2"}, "203.0.113.7"}, // fewer entries than proxies
		{true, 1, []string{"6.6.6.6, not-an-address"}, "192.0.2.1"},
		{true, 1, []string{"6.6.6.6, ::ffff:203.0.113.7"}, "203.0.113.7"},
		{true, 1, nil, "192.0.2.1"},
		{false, 1, []string{"6.6.6.6"}, "192.0.2.1"},
	} {
		cfg := config.Default()
		cfg.TrustProxy, cfg.ProxyHops = c.trust, c.hops
		s := &web.Server{Config: cfg}
		r := httptest.NewRequest("GET", "/", nil) // RemoteAddr 192.0.2.1:1234
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.ClientIP(r); got != c.want {
			t.Errorf("trust %v, hops %d, X-Forwarded-For %q: ClientIP %q, want %q", c.trust, c.hops, c.xff, got, c.want)
		}
	}
}

// TestNavMarksTheCurrentSection: the main navigation marks the item of the
// page's section (its own path, a page under it, or a section it also
// stands for), and no other: not one whose path is only a prefix of the
// page's (/lib is not /library), nor any on a page of no section.
func TestNavMarksTheCurrentSection(t *testing.T) {
	var srv *web.Server
	page := func(w http.ResponseWriter, r *http.Request) error {
		return srv.Render(w, r, http.StatusOK, "about.html", web.View{Title: "A page"})
	}
	h := newServerWith(t, func(s *web.Server) {
		srv = s
		s.AddNav(web.NavItem{Label: "Partnerships", Href: "/partnerships", Also: []string{"/network-map"}})
		s.AddNav(web.NavItem{Label: "Lib & co", Href: "/lib"})
		s.AddNav(web.NavItem{Label: "Library", Href: "/library"})
	}, web.Get("/partnerships", web.Public, page), web.Get("/partnerships/{slug}", web.Public, page),
		web.Get("/network-map", web.Public, page), web.Get("/library/{doc}", web.Public, page),
		web.Get("/lib", web.Public, page), web.Get("/elsewhere", web.Public, page))
	for path, want := range map[string]string{
		"/partnerships":      "Partnerships",
		"/partnerships/ours": "Partnerships",
		"/network-map":       "Partnerships",
		"/library/compact":   "Library",
		"/lib":               "Lib &amp; co",
		"/elsewhere":         "",
	} {
		body := do(h, "GET", path, "viewer", "", nil).Body.String()
		_, nav, _ := strings.Cut(body, `<nav aria-label="Main"`)
		nav, _, _ = strings.Cut(nav, `</nav>`)
		var current []string
		for rest := nav; ; {
			_, after, ok := strings.Cut(rest, `aria-current="page">`)
			if !ok {
				break
			}
			label, _, _ := strings.Cut(after, `<`)
			current = append(current, label)
			rest = after
		}
		switch {
		case want == "" && len(current) > 0:
			t.Errorf("%s: nav marks %q, want none", path, current)
		case want != "" && (len(current) != 1 || current[0] != want):
			t.Errorf("%s: nav marks %q, want %q", path, current, want)
		}
		for _, item := range []string{`href="/partnerships"`, `href="/lib"`, `href="/library"`, `Lib &amp; co</a>`} {
			if !strings.Contains(nav, item) {
				t.Errorf("%s: nav lacks %s", path, item)
			}
		}
	}
}
