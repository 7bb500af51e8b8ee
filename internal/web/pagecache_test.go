package web_test

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"partnerhub/internal/web"
)

// A page served from the cache carries its own request's CSP nonce, not
// the one of the request that filled the cache. The page is written by
// html/template, as real pages are, so a nonce the template would escape
// shows up; the first nonce is forced to hold '+', which html/template
// writes as "&#43;".
func TestPageCacheGivesEachAnswerItsNonce(t *testing.T) {
	tmpl := template.Must(template.New("p").Parse(`<p>one</p><script nonce="{{.}}">1</script><p>two</p>`))
	forced := []string{"ab+cd/ef", "gh+ij/kl"}
	n := 0
	defer web.SetNonceForTest(func() string {
		if n < len(forced) {
			n++
			return forced[n-1]
		}
		n++
		return web.NewNonce()
	})()
	calls := 0
	page := web.Get("/page", web.SignedIn, func(w http.ResponseWriter, r *http.Request) error {
		calls++
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		return tmpl.Execute(w, web.Nonce(r.Context()))
	})
	var srv *web.Server
	h := newServerWith(t, func(s *web.Server) {
		srv = s
		s.Auth = fakeAuth{ids: map[string]*web.Identity{"pat": {UserID: 1, Name: "Pat", SessionHash: "h1", Orgs: map[int64]web.Role{}}}}
		s.Cached(page)
	}, page)
	csp := regexp.MustCompile(`'nonce-([^']+)'`)
	var nonces []string
	for i := range 2 {
		req := httptest.NewRequest("GET", "/page", nil)
		req.Header.Set("X-Test-User", "pat")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("request %d: status %d", i, rec.Code)
		}
		m := csp.FindStringSubmatch(rec.Header().Get("Content-Security-Policy"))
		if m == nil {
			t.Fatal("no nonce in the CSP")
		}
		var want strings.Builder
		tmpl.Execute(&want, m[1])
		if rec.Body.String() != want.String() {
			t.Errorf("request %d: body %q, want %q", i, rec.Body.String(), want.String())
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("request %d: Content-Type %q", i, ct)
		}
		nonces = append(nonces, m[1])
	}
	if nonces[0] == nonces[1] {
		t.Error("two answers had the same nonce")
	}
	// The forced nonces could not be cut out of the page, so it was not
	// kept. Once the server makes its own nonces, the page is kept and
	// served again with the next request's nonce.
	calls = 0
	for i := range 2 {
		req := httptest.NewRequest("GET", "/page", nil)
		req.Header.Set("X-Test-User", "pat")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		m := csp.FindStringSubmatch(rec.Header().Get("Content-Security-Policy"))
		if m == nil {
			t.Fatal("no nonce in the CSP")
		}
		var want strings.Builder
		tmpl.Execute(&want, m[1])
		if rec.Body.String() != want.String() {
			t.Errorf("own nonce, request %d: body %q, want %q", i, rec.Body.String(), want.String())
		}
	}
	if calls != 1 || srv.PageCacheStats().Hits != 1 {
		t.Errorf("handler ran %d times, %d hits; want 1 and 1", calls, srv.PageCacheStats().Hits)
	}
}

// The server's nonces are written unchanged by html/template, so that the
// page cache can find them in a page, and fit CSP's nonce grammar.
func TestNoncesNeedNoEscaping(t *testing.T) {
	grammar := regexp.MustCompile(`^[A-Za-z0-9+/_-]{22,}=*$`)
	tmpl := template.Must(template.New("p").Parse(`<script nonce="{{.}}"></script>`))
	seen := map[string]bool{}
	for range 2000 {
		n := web.NewNonce()
		var b strings.Builder
		if err := tmpl.Execute(&b, n); err != nil {
			t.Fatal(err)
		}
		if e := strings.TrimSuffix(strings.TrimPrefix(b.String(), `<script nonce="`), `"></script>`); e != n {
			t.Fatalf("nonce %q is written %q by html/template", n, e)
		}
		if !grammar.MatchString(n) {
			t.Fatalf("nonce %q is not a CSP base64-value of 16 bytes or more", n)
		}
		if seen[n] {
			t.Fatalf("nonce %q made twice", n)
		}
		seen[n] = true
	}
}

// Only a 200 that sets no cookie is kept: other answers run the handler
// every time.
func TestPageCacheKeepsOnlyPlain200s(t *testing.T) {
	calls := 0
	page := web.Get("/page", web.SignedIn, func(w http.ResponseWriter, r *http.Request) error {
		calls++
		if r.URL.Query().Get("cookie") != "" {
			http.SetCookie(w, &http.Cookie{Name: "c", Value: "1"})
		}
		if r.URL.Query().Get("status") != "" {
			w.WriteHeader(http.StatusAccepted)
		}
		_, err := w.Write([]byte("page"))
		return err
	})
	var srv *web.Server
	h := newServerWith(t, func(s *web.Server) {
		srv = s
		s.Auth = fakeAuth{ids: map[string]*web.Identity{"pat": {UserID: 1, Name: "Pat", SessionHash: "h1", Orgs: map[int64]web.Role{}}}}
		s.Cached(page)
	}, page)
	for _, path := range []string{"/page?status=1", "/page?cookie=1"} {
		calls = 0
		for range 2 {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("X-Test-User", "pat")
			h.ServeHTTP(httptest.NewRecorder(), req)
		}
		if calls != 2 {
			t.Errorf("%s: the handler ran %d times of 2", path, calls)
		}
	}
	if st := srv.PageCacheStats(); st.Stores != 0 || st.Hits != 0 {
		t.Errorf("kept or served: %+v", st)
	}
}
