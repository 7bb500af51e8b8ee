package web

import (
	"html/template"
	"strings"
	"testing"
)

// navReference is the main navigation as html/template writes it: NavHTML
// must escape and filter each item exactly so, whatever its label or href
// (a label or href taken from data must not add markup or a script URL).
var navReference = template.Must(template.New("nav").Parse(
	`{{range .Nav}}<li><a href="{{.Href}}"{{if .Current $.Path}} aria-current="page"{{end}}>{{.Label}}</a></li>{{end}}`))

func TestNavHTMLEscapesAsHTMLTemplate(t *testing.T) {
	items := []NavItem{
		{Label: "Partnerships", Href: "/partnerships", Also: []string{"/network-map"}},
		{Label: `<img src=x onerror=alert(1)>`, Href: "/x"},
		{Label: "Lib & co", Href: `/lib"><script>alert(1)</script>`},
		{Label: "Script", Href: "javascript:alert(1)"},
		{Label: "Script, spaced", Href: " JavaScript:alert(1)"},
		{Label: "Data", Href: "data:text/html,<script>alert(1)</script>"},
		{Label: "Spaces and accents", Href: "/org/café au lait?q=a b&x=<1>"},
		{Label: "Elsewhere", Href: "https://example.org/a?b=c&d=e"},
		{Label: "Mail", Href: "mailto:info@example.org"},
		{Label: "Quote ' \" `", Href: "/q'uote"},
	}
	for _, path := range []string{"/", "/partnerships", "/network-map/x", "/x"} {
		var want strings.Builder
		p := &Page{Path: path, Nav: items}
		if err := navReference.Execute(&want, p); err != nil {
			t.Fatal(err)
		}
		if got := string(p.NavHTML()); got != want.String() {
			t.Errorf("path %s:\nNavHTML:       %s\nhtml/template: %s", path, got, want.String())
		}
		// And through AddNav, which prepares each item once.
		s := &Server{}
		for _, n := range items {
			s.AddNav(n)
		}
		p = &Page{Path: path, Nav: s.nav}
		if got := string(p.NavHTML()); got != want.String() {
			t.Errorf("path %s, items added with AddNav:\nNavHTML:       %s\nhtml/template: %s", path, got, want.String())
		}
	}
	got := string((&Page{Path: "/", Nav: items}).NavHTML())
	for _, bad := range []string{"javascript:", "JavaScript:", "data:text", "<script", "<img"} {
		if strings.Contains(got, bad) {
			t.Errorf("NavHTML lets %q through: %s", bad, got)
		}
	}
}
