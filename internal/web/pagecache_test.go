package web_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"partnerhub/internal/web"
)

// A page served from the cache carries its own request's CSP nonce, not
// the one of the request that filled the cache.
func TestPageCacheGivesEachAnswerItsNonce(t *testing.T) {
	calls := 0
	page := web.Get("/page", web.SignedIn, func(w http.ResponseWriter, r *http.Request) error {
		calls++
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, err := w.Write([]byte(`<p>one</p><script nonce="` + web.Nonce(r.Context()) + `">1</script><p>two</p>`))
		return err
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
		want := `<p>one</p><script nonce="` + m[1] + `">1</script><p>two</p>`
		if rec.Body.String() != want {
			t.Errorf("request %d: body %q, want %q", i, rec.Body.String(), want)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("request %d: Content-Type %q", i, ct)
		}
		nonces = append(nonces, m[1])
	}
	if calls != 1 || srv.PageCacheStats().Hits != 1 {
		t.Errorf("handler ran %d times, %d hits; want 1 and 1", calls, srv.PageCacheStats().Hits)
	}
	if nonces[0] == nonces[1] {
		t.Error("two answers had the same nonce")
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
