package feed

import (
	"encoding/xml"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestAtomFeedParsesAndEscapes(t *testing.T) {
	t1 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	t2 := time.Date(2026, 4, 2, 10, 30, 0, 0, time.UTC)
	f := Feed{ID: "https://ph.example/opportunities", Title: "Opportunities & grants", Self: "https://ph.example/opportunities.atom", Page: "https://ph.example/opportunities", Author: "Partnerhub",
		Entries: []Entry{
			{ID: TagURI("https://ph.example:8080/x", 2026, "opportunity/1"), Title: "Advocacy <lots>", Link: "https://ph.example/opportunities/1", Updated: t1, Summary: "Closes 1 May", Categories: []string{"tender"}},
			{ID: TagURI("ph.example", 2026, "opportunity/2"), Title: "Wellbeing", Updated: t2, HTML: "<p>Hello &amp; welcome</p>"},
		}}
	rec := httptest.NewRecorder()
	if err := Serve(rec, f); err != nil {
		t.Fatal(err)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		t.Fatalf("content type %q", ct)
	}
	var got struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Title   string   `xml:"title"`
		Updated string   `xml:"updated"`
		Links   []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, rec.Body)
	}
	if got.Title != "Opportunities & grants" || got.Updated != "2026-04-02T10:30:00Z" {
		t.Fatalf("title %q updated %q", got.Title, got.Updated)
	}
	if len(got.Links) != 2 || got.Links[0].Rel != "self" {
		t.Fatalf("links %+v", got.Links)
	}
	if len(got.Entries) != 2 || got.Entries[0].ID != "tag:ph.example,2026:opportunity/1" || got.Entries[0].Title != "Advocacy <lots>" {
		t.Fatalf("entries %+v", got.Entries)
	}
	if got.Entries[1].Content != "<p>Hello &amp; welcome</p>" {
		t.Fatalf("html content %q", got.Entries[1].Content)
	}
}
