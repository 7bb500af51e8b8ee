package benchkit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {1, time.Millisecond}, {0.1, time.Millisecond}} {
		if got := Percentile(d, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("empty percentile is not 0")
	}
	if got := Percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("single-sample p99 = %v", got)
	}
}

func TestLoadCountsEveryRequestAndErrors(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		if r.Header.Get("Cookie") != "s=1" {
			http.Error(w, "no cookie", http.StatusUnauthorized)
			return
		}
		if n%10 == 0 {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		w.Write([]byte(strings.Repeat("x", 1000)))
	}))
	defer srv.Close()
	c := NewClient(4)
	r, err := Load(context.Background(), c, Target{Name: "t", URL: srv.URL, Header: http.Header{"Cookie": {"s=1"}}}, 200, 4)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 200 || hits.Load() != 200 {
		t.Fatalf("requests = %d, server saw %d, want 200", r.Requests, hits.Load())
	}
	if r.Errors != 20 || !strings.Contains(r.FirstErr, "status 303") {
		t.Errorf("errors = %d (%s), want the 20 redirects counted", r.Errors, r.FirstErr)
	}
	if r.Bytes < 180*1000 || r.BytesPerResponse() < 900 {
		t.Errorf("bytes = %d", r.Bytes)
	}
	if r.RPS() <= 0 || r.Percentile(50) <= 0 || r.Percentile(99) < r.Percentile(50) {
		t.Errorf("rps %v p50 %v p99 %v", r.RPS(), r.Percentile(50), r.Percentile(99))
	}
}

// TestLoadTakesEveryURLInTurn: a target with further URLs sends its
// requests to each in turn, and refuses one that is not on loopback.
func TestLoadTakesEveryURLInTurn(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.RequestURI()]++
		mu.Unlock()
	}))
	defer srv.Close()
	tg := Target{Name: "t", URL: srv.URL + "/directory?q=a", Also: []string{srv.URL + "/directory?q=b", srv.URL + "/partners/find?find=1"}}
	if _, err := Load(context.Background(), NewClient(3), tg, 300, 3); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"/directory?q=a", "/directory?q=b", "/partners/find?find=1"} {
		if seen[u] != 100 {
			t.Errorf("%s had %d requests, want 100 (all: %v)", u, seen[u], seen)
		}
	}
	tg.Also = append(tg.Also, "http://example.org/")
	if _, err := Load(context.Background(), NewClient(1), tg, 1, 1); err == nil {
		t.Error("a further URL off loopback was allowed")
	}
}

func TestLoadRefusesOtherHosts(t *testing.T) {
	for _, u := range []string{"http://example.org/", "http://10.0.0.1:8080/", "http://[2001:db8::1]/"} {
		if _, err := Load(context.Background(), NewClient(1), Target{URL: u}, 1, 1); err == nil {
			t.Errorf("Load(%s) was allowed", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:1/", "http://localhost:2/", "http://[::1]:3/"} {
		if err := CheckLoopback(u); err != nil {
			t.Errorf("CheckLoopback(%s): %v", u, err)
		}
	}
}

// FirstOrgPath skips the "new organisation" link and deeper paths and
// finds the first dashboard link.
func TestFirstOrgPath(t *testing.T) {
	for page, want := range map[string]string{
		`<a href="/orgs/new">New</a><a href="/orgs/blackpool-advocacy/members">M</a><a href="/orgs/blackpool-advocacy">B</a>`: "/orgs/blackpool-advocacy",
		`<a href="/account">Account</a>`: "",
	} {
		if got := FirstOrgPath(page); got != want {
			t.Errorf("FirstOrgPath(%q) = %q, want %q", page, got, want)
		}
	}
}
