package web

import (
	"strings"
	"testing"
)

// TestMetaDescription: a page's own description wins, whitespace folded
// and shortened at a word to about 160 characters; without one the site's
// names the page.
func TestMetaDescription(t *testing.T) {
	long := strings.Repeat("Carers' café and advice\n on Tuesdays in Bispham. ", 10)
	d := (&Page{Title: "Bispham Carers", Description: long}).MetaDescription()
	if !strings.HasPrefix(d, "Carers' café and advice on Tuesdays") || !strings.HasSuffix(d, "…") || len([]rune(d)) > 161 || strings.Contains(d, "\n") {
		t.Errorf("own description: %q", d)
	}
	if d := (&Page{Title: "Events", Description: "  Short.  "}).MetaDescription(); d != "Short." {
		t.Errorf("short description: %q", d)
	}
	if d := (&Page{Title: "Events"}).MetaDescription(); !strings.HasPrefix(d, "Events. ") || !strings.Contains(d, "Blackpool") {
		t.Errorf("default: %q", d)
	}
}
