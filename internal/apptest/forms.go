package apptest

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Form is what a browser would send from the form on the page whose action
// is action (a path; "" for a form without one, which posts to its page): text, hidden, date and other inputs by value, ticked
// checkboxes and radios, selected options (the first when none is marked,
// as a browser does) and textareas. Password and file inputs and buttons
// are left out. It fails the test when no such form is on the page.
func (r *Response) Form(t testing.TB, action string) url.Values {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(r.Body))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	var form *html.Node
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == "form" && attr(n, "action") == action && (action != "" || !hasAttr(n, "action") || attr(n, "action") == "") {
			form = n
			break
		}
	}
	if form == nil {
		t.Fatalf("no form with action %q on the page (status %d)", action, r.Code)
	}
	out := url.Values{}
	for n := range form.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		name := attr(n, "name")
		if name == "" || hasAttr(n, "disabled") {
			continue
		}
		switch n.Data {
		case "input":
			switch typ := strings.ToLower(attr(n, "type")); typ {
			case "checkbox", "radio":
				if hasAttr(n, "checked") {
					v := attr(n, "value")
					if !hasAttr(n, "value") {
						v = "on"
					}
					out.Add(name, v)
				}
			case "password", "file", "submit", "button", "reset", "image":
			default:
				out.Add(name, attr(n, "value"))
			}
		case "textarea":
			var b strings.Builder
			for c := range n.Descendants() {
				if c.Type == html.TextNode {
					b.WriteString(c.Data)
				}
			}
			// The HTML parser drops one leading newline, as browsers do.
			out.Add(name, b.String())
		case "select":
			var first *html.Node
			picked := false
			for o := range n.Descendants() {
				if o.Type != html.ElementNode || o.Data != "option" {
					continue
				}
				if first == nil {
					first = o
				}
				if hasAttr(o, "selected") {
					out.Add(name, optionValue(o))
					picked = true
				}
			}
			if !picked && first != nil && !hasAttr(n, "multiple") {
				out.Add(name, optionValue(first))
			}
		}
	}
	return out
}

// Kept fails the test unless the form on the page (by action) carries every
// value that was sent, and nothing the sender left blank or unticked: the
// check that a 422 re-render or a stored record round-trips what a user
// typed. Fields in ignore are not compared (for example a field the server
// rightly normalises).
func (r *Response) Kept(t testing.TB, action string, sent url.Values, ignore ...string) *Response {
	t.Helper()
	got := r.Form(t, action)
	var diffs []string
	keys := map[string]bool{}
	for k := range sent {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	for k := range keys {
		if slices.Contains(ignore, k) {
			continue
		}
		want, have := nonBlank(sent[k]), nonBlank(got[k])
		slices.Sort(want)
		slices.Sort(have)
		if !slices.Equal(want, have) {
			diffs = append(diffs, k+": sent "+quoteAll(want)+", form has "+quoteAll(have))
		}
	}
	if len(diffs) > 0 {
		slices.Sort(diffs)
		t.Fatalf("form %s (status %d) lost or changed input:\n  %s", action, r.Code, strings.Join(diffs, "\n  "))
	}
	return r
}

// nonBlank drops empty values: an empty text box and a field not sent at
// all mean the same to the server.
func nonBlank(vs []string) []string {
	var out []string
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			out = append(out, strings.ReplaceAll(v, "\r\n", "\n"))
		}
	}
	return out
}

func quoteAll(vs []string) string {
	if len(vs) == 0 {
		return "nothing"
	}
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = `"` + v + `"`
	}
	return strings.Join(q, ", ")
}

func optionValue(o *html.Node) string {
	if hasAttr(o, "value") {
		return attr(o, "value")
	}
	var b strings.Builder
	for c := range o.Descendants() {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return strings.TrimSpace(b.String())
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// RoundTrip fills the form on page (by action; "" for a form that posts to
// its page) as a browser would, with change applied, and sends it twice:
// first with breakIt applied too, checking the 422 page names wantErr and
// keeps every value; then as changed, checking it is accepted (303) and,
// unless readBack is "", that the form on readBack carries what was sent
// (what was stored). Fields in ignore are not compared. It returns what
// was sent.
func (c *Client) RoundTrip(t testing.TB, page, action string, change, breakIt func(url.Values), wantErr, readBack string, ignore ...string) url.Values {
	t.Helper()
	sent := c.Get(page).Status(t, 200).Form(t, action)
	change(sent)
	bad := url.Values{}
	for k, v := range sent {
		bad[k] = append([]string(nil), v...)
	}
	breakIt(bad)
	post := action
	if post == "" {
		post = page
	}
	c.PostForm(post, bad).Status(t, 422).Contains(t, wantErr).Kept(t, action, bad, ignore...)
	c.PostForm(post, sent).Status(t, 303)
	if readBack != "" {
		c.Get(readBack).Status(t, 200).Kept(t, action, sent, ignore...)
	}
	return sent
}
