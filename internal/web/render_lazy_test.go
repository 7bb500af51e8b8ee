package web_test

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestPagesParseOnFirstUseAndParseAllFindsBrokenOnes: AddPages only lists
// the pages (start-up does not parse them), a doubly defined page still
// stops start-up, and ParseAll names every page that does not parse,
// including one whose feature partial is broken, and no page that does.
func TestPagesParseOnFirstUseAndParseAllFindsBrokenOnes(t *testing.T) {
	rd := newRenderer(t)
	if err := rd.ParseAll(); err != nil {
		t.Fatalf("the core pages do not parse: %v", err)
	}
	good := fstest.MapFS{
		"t/_part.html": {Data: []byte(`{{define "part"}}part{{end}}`)},
		"t/ok.html":    {Data: []byte(`{{define "content"}}{{template "part"}}{{end}}`)},
		"t/bad.html":   {Data: []byte(`{{define "content"}}{{if}}{{end}}`)},
	}
	if err := rd.AddPages(good, "t", "alpha"); err != nil {
		t.Fatalf("AddPages parsed the pages at start-up: %v", err)
	}
	broken := fstest.MapFS{
		"t/_part.html": {Data: []byte(`{{define "part"}}{{range}}{{end}}`)},
		"t/uses.html":  {Data: []byte(`{{define "content"}}{{template "part"}}{{end}}`)},
	}
	if err := rd.AddPages(broken, "t", "beta"); err != nil {
		t.Fatalf("AddPages parsed the partials at start-up: %v", err)
	}
	for _, name := range []string{"alpha/ok.html", "alpha/bad.html", "beta/uses.html"} {
		if !rd.Has(name) {
			t.Errorf("page %s not listed", name)
		}
	}
	if rd.Has("alpha/_part.html") {
		t.Error("a partial is listed as a page")
	}
	if err := rd.AddPages(good, "t", "alpha"); err == nil || !strings.Contains(err.Error(), "defined twice") {
		t.Errorf("the same pages added twice: %v, want defined twice", err)
	}
	err := rd.ParseAll()
	if err == nil {
		t.Fatal("ParseAll found no broken page")
	}
	msg := err.Error()
	for _, want := range []string{"t/bad.html", "partials in t"} {
		if !strings.Contains(msg, want) {
			t.Errorf("ParseAll's error does not name %s: %v", want, msg)
		}
	}
	if strings.Contains(msg, "ok.html") {
		t.Errorf("ParseAll blames a page that parses: %v", msg)
	}
}
