package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"partnerhub/internal/app"
	"partnerhub/internal/apptest"
	"partnerhub/internal/benchkit"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/testkit"
)

// BenchmarkHandler measures the whole application handler in-process (no
// network): the home page, a signed-in page and a bare handler writing the
// same bytes, with allocations. It complements loadbench (make bench), which
// measures the same over loopback. Profile with:
//
//	go test -run '^$' -bench Handler -cpuprofile cpu.out ./cmd/partnerhub
func BenchmarkHandler(b *testing.B) {
	d := dbtest.SQLite(b)
	cfg := apptest.Config()
	cfg.DataDir = b.TempDir()
	// A real text logger (to nowhere) so request logging is paid for.
	a, err := app.Build(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), d)
	if err != nil {
		b.Fatal(err)
	}
	env := &apptest.Env{T: b, DB: d, App: a, Ctx: b.Context()}
	env.User("bench@example.org", false)
	org := env.Org("Bench Advocacy", "vcs", map[string]string{"bench@example.org": "owner"})
	cookie := benchSignIn(b, a.Handler, "bench@example.org", apptest.Password)

	home := httptest.NewRecorder()
	a.Handler.ServeHTTP(home, httptest.NewRequest("GET", "/", nil))
	body := home.Body.Bytes()
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(body)
	})

	// The demo town's owner (as loadbench measures): an account with
	// several organisations and a dashboard with every feature's panels.
	town := dbtest.SQLite(b)
	if _, err := testkit.Generate(b.Context(), town, testkit.Options{Seed: 2009, Orgs: 300}); err != nil {
		b.Fatal(err)
	}
	tcfg := apptest.Config()
	tcfg.DataDir = b.TempDir()
	ta, err := app.Build(tcfg, slog.New(slog.NewTextHandler(io.Discard, nil)), town)
	if err != nil {
		b.Fatal(err)
	}
	townCookie := benchSignIn(b, ta.Handler, "owner@demo.partnerhub.test", testkit.DemoPassword)
	acct := httptest.NewRecorder()
	acctReq := httptest.NewRequest("GET", "/account", nil)
	acctReq.Header.Set("Cookie", townCookie)
	ta.Handler.ServeHTTP(acct, acctReq)
	townOrg := benchkit.FirstOrgPath(acct.Body.String())
	if townOrg == "" {
		b.Fatal("the demo owner's /account lists no organisation")
	}

	cases := []struct {
		name   string
		h      http.Handler
		path   string
		cookie string
	}{
		{"bare", bare, "/", ""},
		{"home", a.Handler, "/", ""},
		{"account", a.Handler, "/account", cookie},
		{"dashboard", a.Handler, "/orgs/" + org.Slug, cookie},
		{"town-account", ta.Handler, "/account", townCookie},
		{"town-dashboard", ta.Handler, townOrg, townCookie},
		{"partnerships-anonymous", a.Handler, "/partnerships", ""},
		{"partnerships-signed-in", a.Handler, "/partnerships", cookie},
		{"healthz", a.Handler, "/healthz", ""},
	}
	// of-bare is the bare handler's time over the case's (1 = as fast as
	// bare), from the same run.
	var bareNs float64
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			req := httptest.NewRequest("GET", c.path, nil)
			req.RemoteAddr = "127.0.0.1:1234"
			if c.cookie != "" {
				req.Header.Set("Cookie", c.cookie)
			}
			cpu0 := cpuTime()
			for b.Loop() {
				rec := httptest.NewRecorder()
				c.h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%s: status %d", c.path, rec.Code)
				}
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			// CPU time of the whole process (every thread, GC included) per
			// request: on a shared machine wall time is mostly queueing.
			b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
			if c.name == "bare" {
				bareNs = ns
			} else if bareNs > 0 {
				b.ReportMetric(bareNs/ns, "of-bare")
			}
		})
	}
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchSignIn(b *testing.B, h http.Handler, email, password string) string {
	b.Helper()
	form := url.Values{"email": {email}, "password": {password}}
	req := httptest.NewRequest("POST", "/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = "127.0.0.1:1234"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		b.Fatalf("sign in: status %d", rec.Code)
	}
	var parts []string
	for _, c := range rec.Result().Cookies() {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}
