// Package feed writes Atom 1.0 feeds (RFC 4287): opportunities, news and
// any other list a reader may want to follow. It is the one Atom writer of
// the site; a feature builds a Feed from the same query its list page runs
// and hands it to Serve.
package feed

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strings"
	"time"
)

// Feed is one Atom feed.
type Feed struct {
	ID       string    // a permanent IRI, e.g. the page's canonical URL
	Title    string    // shown by readers
	Subtitle string    // optional
	Self     string    // absolute URL of the feed itself
	Page     string    // absolute URL of the HTML page with the same list
	Updated  time.Time // zero: the newest entry's update, or now when empty
	Author   string    // e.g. the site's name; required by Atom when an entry has none
	Entries  []Entry
}

// Entry is one item of a feed.
type Entry struct {
	ID         string // a permanent IRI; use TagURI when the URL may change
	Title      string
	Link       string // absolute URL of the item's page
	Updated    time.Time
	Published  time.Time // optional
	Summary    string    // plain text
	HTML       string    // optional full content, already sanitised HTML
	Author     string    // optional
	Categories []string  // optional terms
}

// TagURI makes a permanent entry id (RFC 4151), e.g.
// TagURI("partnerhub.example", 2026, "opportunity/42").
func TagURI(host string, year int, specific string) string {
	host = strings.TrimPrefix(strings.TrimPrefix(host, "https://"), "http://")
	if i := strings.IndexAny(host, ":/"); i >= 0 {
		host = host[:i]
	}
	return "tag:" + host + "," + itoa(year) + ":" + specific
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

type xLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type xText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type xPerson struct {
	Name string `xml:"name"`
}

type xCategory struct {
	Term string `xml:"term,attr"`
}

type xEntry struct {
	Title      xText       `xml:"title"`
	ID         string      `xml:"id"`
	Links      []xLink     `xml:"link"`
	Updated    string      `xml:"updated"`
	Published  string      `xml:"published,omitempty"`
	Author     *xPerson    `xml:"author,omitempty"`
	Categories []xCategory `xml:"category"`
	Summary    *xText      `xml:"summary,omitempty"`
	Content    *xText      `xml:"content,omitempty"`
}

type xFeed struct {
	XMLName  xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Title    xText    `xml:"title"`
	Subtitle *xText   `xml:"subtitle,omitempty"`
	ID       string   `xml:"id"`
	Links    []xLink  `xml:"link"`
	Updated  string   `xml:"updated"`
	Author   *xPerson `xml:"author,omitempty"`
	Entries  []xEntry `xml:"entry"`
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Bytes renders the feed as an Atom document.
func (f Feed) Bytes() ([]byte, error) {
	updated := f.Updated
	if updated.IsZero() {
		for _, e := range f.Entries {
			if e.Updated.After(updated) {
				updated = e.Updated
			}
		}
	}
	if updated.IsZero() {
		updated = time.Now()
	}
	x := xFeed{Title: xText{Type: "text", Body: f.Title}, ID: f.ID, Updated: stamp(updated)}
	if f.Subtitle != "" {
		x.Subtitle = &xText{Type: "text", Body: f.Subtitle}
	}
	if f.Self != "" {
		x.Links = append(x.Links, xLink{Rel: "self", Type: "application/atom+xml", Href: f.Self})
	}
	if f.Page != "" {
		x.Links = append(x.Links, xLink{Rel: "alternate", Type: "text/html", Href: f.Page})
	}
	if f.Author != "" {
		x.Author = &xPerson{Name: f.Author}
	}
	for _, e := range f.Entries {
		xe := xEntry{Title: xText{Type: "text", Body: e.Title}, ID: e.ID, Updated: stamp(e.Updated)}
		if e.Updated.IsZero() {
			xe.Updated = stamp(updated)
		}
		if e.Link != "" {
			xe.Links = []xLink{{Rel: "alternate", Type: "text/html", Href: e.Link}}
		}
		if !e.Published.IsZero() {
			xe.Published = stamp(e.Published)
		}
		if e.Author != "" {
			xe.Author = &xPerson{Name: e.Author}
		}
		for _, c := range e.Categories {
			xe.Categories = append(xe.Categories, xCategory{Term: c})
		}
		if e.Summary != "" {
			xe.Summary = &xText{Type: "text", Body: e.Summary}
		}
		if e.HTML != "" {
			xe.Content = &xText{Type: "html", Body: e.HTML}
		}
		x.Entries = append(x.Entries, xe)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(x); err != nil {
		return nil, err
	}
	buf.WriteString("\n")
	return buf.Bytes(), nil
}

// Serve writes the feed with the Atom media type.
func Serve(w http.ResponseWriter, f Feed) error {
	b, err := f.Bytes()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, err = w.Write(b)
	return err
}
