package web

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"partnerhub/internal/apperr"
)

type checkItem struct{ Name string }

func (checkItem) Label() string { return "" }

type checkOrg struct {
	Name  string
	Items []checkItem
}

func (o *checkOrg) Slug() string { return "" }

type checkView struct {
	View
	Org   *checkOrg
	Count int
	Extra map[string]any
}

// TestCheckView: every field chain through .D is checked against the view
// type on every branch (else, with, range, variables, $, a partial given
// . or .D); fields, promoted fields, methods on pointer receivers and map
// values pass.
func TestCheckView(t *testing.T) {
	page := `{{define "content"}}
<h1>{{.D.Title}} {{.Title}}</h1>
{{if .D.Count}}{{.D.Org.Name}}{{else}}{{.D.Nope}}{{end}}
{{with .D.Org}}{{.Slug}}{{.Missing}}{{range .Items}}{{.Name}}{{.Label}}{{.Gone}}{{end}}{{end}}
{{range $i, $it := .D.Org.Items}}{{$it.Name}}{{$it.Lost}}{{$.D.Wrong}}{{end}}
{{$o := .D.Org}}{{$o.Absent}}
{{.D.Extra.anything.at.all}}{{.D.Form.Get "x"}}{{.D.Err}}
{{template "_bits" .}}{{template "_view" .D}}
{{if eq (len .D.Org.Items) .D.Bad}}x{{end}}
{{end}}`
	parts := `{{define "_bits"}}{{.D.InPartial}}{{end}}{{define "_view"}}{{.Org.Name}}{{.Nowhere}}{{end}}`
	rd := testRenderer(t, fstest.MapFS{"t/p.html": {Data: []byte(page)}, "t/_parts.html": {Data: []byte(parts)}})
	got := strings.Join(rd.CheckView("x/p.html", reflect.TypeOf(checkView{})), "\n")
	for _, want := range []string{".D.Nope", ".Missing", ".Gone", "$it.Lost", "$.D.Wrong", "$o.Absent", ".D.InPartial", ".Nowhere", ".D.Bad"} {
		if !strings.Contains(got, ": "+want+": ") {
			t.Errorf("no problem reported for %s in:\n%s", want, got)
		}
	}
	// Title, Count, Org.Name, Slug (pointer method), Label, Extra.*,
	// Form.Get, Err, Items and .Name all exist: nine problems, no more.
	if n := len(strings.Split(got, "\n")); n != 9 {
		t.Errorf("%d problems, want 9:\n%s", n, got)
	}
}

// TestRenderView: a struct embedding View gives the Page its title,
// description, form and errors, as the map keys did; Err becomes errors.
func TestRenderView(t *testing.T) {
	rd := testRenderer(t, fstest.MapFS{"t/p.html": {Data: []byte(`{{define "content"}}[{{.Title}}|{{.Description}}|{{value .Form "a"}}|{{range .Errors}}{{.Field}}={{.Message}};{{end}}|{{.D.Count}}]{{end}}`)}})
	s := &Server{R: rd}
	s.RecordViews()
	render := func(data any) string {
		w := httptest.NewRecorder()
		if err := s.Render(w, httptest.NewRequest("GET", "/p", nil), 200, "x/p.html", data); err != nil {
			t.Fatal(err)
		}
		b := w.Body.String()
		return b[strings.Index(b, "[") : strings.Index(b, "]")+1]
	}
	v := checkView{View: View{Title: "T", Description: "D", Form: url.Values{"a": {"1"}}, Errors: []apperr.FieldError{{Field: "f", Message: "m"}}}, Count: 3}
	if got := render(v); got != "[T|D|1|f=m;|3]" {
		t.Errorf("view: %s", got)
	}
	if got := render(&v); got != "[T|D|1|f=m;|3]" {
		t.Errorf("pointer to view: %s", got)
	}
	var val apperr.Validation
	val.Add("g", "n")
	v.Err = val.Err()
	if got := render(v); got != "[T|D|1|g=n;|3]" {
		t.Errorf("Err with fields: %s", got)
	}
	v.Err = errors.New("boom")
	if got := render(v); !strings.HasPrefix(got, "[T|D|1|=") {
		t.Errorf("plain Err: %s", got)
	}
	// Data that is not a view (the old map with magic keys) is refused.
	m := map[string]any{"Title": "T", "Count": 3}
	if err := s.Render(httptest.NewRecorder(), httptest.NewRequest("GET", "/p", nil), 200, "x/p.html", m); err == nil || !strings.Contains(err.Error(), "not a view") {
		t.Errorf("a map as page data: %v", err)
	}
	if p := s.CheckViews(); len(p) != 0 {
		t.Errorf("view problems: %v", p)
	}
}

// testRenderer is the core renderer with the pages of fsys's folder t,
// named x/NAME.
func testRenderer(t *testing.T, fsys fstest.MapFS) *Renderer {
	t.Helper()
	st, err := NewStatic()
	if err != nil {
		t.Fatal(err)
	}
	rd, err := NewRenderer(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := rd.AddPages(fsys, "t", "x"); err != nil {
		t.Fatal(err)
	}
	return rd
}
