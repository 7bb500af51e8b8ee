package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// /metrics tells outsiders which features are used and how much: on the
// main address it is for admins only (a visitor is sent to sign in); a
// scraper reads it from the separate --metrics-addr listener, which serves
// nothing else.
func TestMetricsOnlyForAdminsOrOnTheMetricsAddress(t *testing.T) {
	s := serve(t, "--data-dir", t.TempDir(), "--migrate", "--metrics-addr", "127.0.0.1:0")
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if st, body := get(t, noFollow, s.URL+"/metrics"); st != http.StatusSeeOther || strings.Contains(body, "partnerhub_http_requests_total") {
		t.Errorf("anonymous GET /metrics on the main address: %d, want 303 to sign in, and no metrics", st)
	}
	m := regexp.MustCompile(`msg="serving metrics" url=(http://\S+)/metrics`).FindStringSubmatch(s.Err.String())
	if m == nil {
		t.Fatalf("the log does not announce the metrics address:\n%s", s.Err)
	}
	if st, body := get(t, nil, m[1]+"/metrics"); st != 200 || !strings.Contains(body, "partnerhub_http_requests_total") {
		t.Errorf("GET /metrics on --metrics-addr: %d, want 200 with the metrics", st)
	}
	if st, _ := get(t, nil, m[1]+"/"); st != http.StatusNotFound {
		t.Errorf("GET / on --metrics-addr: %d, want 404 (only /metrics is served there)", st)
	}
}

// Without --metrics-addr nothing else listens.
func TestNoMetricsListenerByDefault(t *testing.T) {
	s := serve(t, "--data-dir", t.TempDir(), "--migrate")
	if strings.Contains(s.Err.String(), "serving metrics") {
		t.Errorf("a metrics listener started without --metrics-addr:\n%s", s.Err)
	}
}
