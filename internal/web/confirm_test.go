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

// TestConfirmNoAction: a page with nothing to confirm explains why, lists
// its facts and offers no button; the caption and closing note show.
func TestConfirmNoAction(t *testing.T) {
	var srv *web.Server
	h := newServerWith(t, func(s *web.Server) { srv = s },
		web.Get("/b/{id}/cancel", web.Public, func(w http.ResponseWriter, r *http.Request) error {
			return srv.Confirm(w, r, web.Confirm{
				Caption:  "Fylde Trust",
				Question: "Are you sure you want to cancel this booking?",
				Detail:   "This booking is already cancelled.",
				Items:    []string{"2 in <events>"},
				After:    "You can book again.",
				NoAction: true,
				Back:     "/b",
			})
		}))
	rec := do(h, "GET", "/b/3/cancel", "", "", nil)
	body := rec.Body.String()
	for _, want := range []string{`<span class="ph-caption">Fylde Trust</span>`, "<li>2 in &lt;events&gt;</li>", "<p>You can book again.</p>", `<a href="/b">No, go back</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("confirm page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, `type="submit"`) || strings.Contains(body, `action="/b/3/cancel"`) {
		t.Errorf("a page with nothing to confirm shows a button:\n%s", body)
	}
}
