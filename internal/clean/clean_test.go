package clean

import (
	"strings"
	"testing"
)

func TestTextLineSlug(t *testing.T) {
	if got := Text("  Cafe\u0301\x00 ok\n\tnext \x07"); got != "Café ok\n\tnext " { // trimmed before control characters are dropped
		t.Errorf("Text = %q", got)
	}
	if got := Line(" Fylde\r\nCoast\t  Trust "); got != "Fylde Coast Trust" {
		t.Errorf("Line = %q", got)
	}
	for in, want := range map[string]string{
		"Blackpool Carers' Centre": "blackpool-carers-centre",
		"Age UK & Friends":         "age-uk-and-friends",
		"Crème Brûlée CIC":         "creme-brulee-cic",
		"!!!":                      "organisation",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Slug(string(make([]byte, 0)) + "a very long name that goes on and on past the sixty character limit of slugs"); len(got) > 60 {
		t.Errorf("Slug is %d long", len(got))
	}
}

func TestSearchWords(t *testing.T) {
	for q, want := range map[string]string{
		"Help with debt":       "help debt",
		"Food-banks":           "food bank",
		"families training":    "famil train",
		"the":                  "the",
		"Youth services, 2026": "youth servic 2026",
	} {
		if got := strings.Join(SearchWords(q), " "); got != want {
			t.Errorf("SearchWords(%q) = %q, want %q", q, got, want)
		}
	}
}
