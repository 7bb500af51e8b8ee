package web_test

import (
	"net/http"
	"strings"
	"testing"

	"partnerhub/internal/web"
)

// TestConfirmPage: the one confirmation page asks the question, says what
// will happen, posts to the target with the hidden fields, escapes what
// members typed, and offers a way back.
func TestConfirmPage(t *testing.T) {
	var srv *web.Server
	h := newServerWith(t, func(s *web.Server) { srv = s },
		web.Get("/things/{id}/remove", web.Public, func(w http.ResponseWriter, r *http.Request) error {
			return srv.Confirm(w, r, web.Confirm{
				Title:    "Remove thing",
				Question: "Are you sure you want to remove <b>Bob's</b> thing?",
				Detail:   "It cannot be brought back.",
				Hidden:   []web.Hidden{{Name: "user", Value: `7"x`}},
				Button:   "Remove thing",
				Back:     "/things",
			})
		}))
	rec := do(h, "GET", "/things/3/remove", "", "", nil)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		"<title>Remove thing",
		`<h1 class="ph-heading-l">Are you sure you want to remove &lt;b&gt;Bob&#39;s&lt;/b&gt; thing?</h1>`,
		`<div class="ph-warning"><p>It cannot be brought back.</p></div>`,
		`<form method="post" action="/things/3/remove">`,
		`<input type="hidden" name="user" value="7&#34;x">`,
		`type="submit">Remove thing</button>`,
		`<a href="/things">No, go back</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("confirm page lacks %q:\n%s", want, body)
		}
	}
}
