package web_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"partnerhub/internal/web"
)

// TestTextResponsesAreCompressed: HTML, CSS and JSON bodies are gzipped for
// a client that accepts gzip, with Vary: Accept-Encoding and an ETag that
// differs from the uncompressed one; tiny bodies, already-compressed types
// and clients that do not accept gzip get the body as it is.
func TestTextResponsesAreCompressed(t *testing.T) {
	big := strings.Repeat("Blackpool partnerships and consortia. ", 200)
	serve := func(ct, body string) func(http.ResponseWriter, *http.Request) error {
		return func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Type", ct)
			w.Header().Set("ETag", `"v1"`)
			_, err := io.WriteString(w, body)
			return err
		}
	}
	h := newServer(t,
		web.Get("/page", web.Public, serve("text/html; charset=utf-8", big)),
		web.Get("/style.css", web.Public, serve("text/css; charset=utf-8", big)),
		web.Get("/data.json", web.Public, serve("application/json", big)),
		web.Get("/tiny.json", web.Public, serve("application/json", `{"ok":true}`)),
		web.Get("/photo.png", web.Public, serve("image/png", big)),
	)
	gz := map[string]string{"Accept-Encoding": "gzip, deflate, br"}
	for _, path := range []string{"/page", "/style.css", "/data.json"} {
		res := do(h, "GET", path, "", "", gz)
		if res.Code != 200 || res.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: status %d, Content-Encoding %q, want gzip", path, res.Code, res.Header().Get("Content-Encoding"))
		}
		if !strings.Contains(res.Header().Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: Vary %q lacks Accept-Encoding", path, res.Header().Get("Vary"))
		}
		if et := res.Header().Get("ETag"); et == `"v1"` || et == "" {
			t.Errorf("%s: the compressed body has ETag %q, the uncompressed one's", path, et)
		}
		if res.Body.Len() >= len(big)/4 {
			t.Errorf("%s: %d bytes compressed from %d", path, res.Body.Len(), len(big))
		}
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(zr); err != nil || string(b) != big {
			t.Errorf("%s: the body does not decompress to the original (%v)", path, err)
		}
		plain := do(h, "GET", path, "", "", nil)
		if plain.Header().Get("Content-Encoding") != "" || plain.Body.String() != big || plain.Header().Get("ETag") != `"v1"` {
			t.Errorf("%s without Accept-Encoding: encoding %q, ETag %q", path, plain.Header().Get("Content-Encoding"), plain.Header().Get("ETag"))
		}
	}
	for _, path := range []string{"/tiny.json", "/photo.png"} {
		res := do(h, "GET", path, "", "", gz)
		if res.Header().Get("Content-Encoding") != "" {
			t.Errorf("%s: compressed (%q)", path, res.Header().Get("Content-Encoding"))
		}
	}
}

// TestPagesHaveMetaDescription: every page has one meta description: the
// home page the site's, another page its own (or one naming it).
func TestPagesHaveMetaDescription(t *testing.T) {
	h := newServer(t)
	meta := func(path string) string {
		t.Helper()
		body := do(h, "GET", path, "", "", nil).Body.String()
		if n := strings.Count(body, `<meta name="description"`); n != 1 {
			t.Fatalf("%s: %d meta descriptions", path, n)
		}
		i := strings.Index(body, `<meta name="description" content="`) + len(`<meta name="description" content="`)
		return body[i : i+strings.Index(body[i:], `"`)]
	}
	home := meta("/")
	if !strings.Contains(home, "Blackpool") {
		t.Errorf("home: %q", home)
	}
	for _, p := range []string{"/about", "/privacy", "/accessibility"} {
		if d := meta(p); d == home || d == "" {
			t.Errorf("%s: %q, the home page's", p, d)
		}
	}
}
