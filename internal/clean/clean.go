// Package clean tidies text people type before it is stored or shown:
// names and titles on one line, free text without control characters, and
// URL slugs. Every feature cleans text this way.
package clean

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Text trims, normalises to NFC and drops control characters other
// than newlines and tabs.
func Text(s string) string {
	s = norm.NFC.String(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// Line is Text for one-line values (names, titles): line breaks,
// tabs and runs of spaces become one space. Names travel into email
// subjects, calendar feeds and CSV cells, where a line break would start a
// new header, property or row.
func Line(s string) string {
	return strings.Join(strings.Fields(Text(s)), " ")
}

var slugStrip = regexp.MustCompile(`[^a-z0-9]+`)

// Slug turns a name into a URL slug.
func Slug(name string) string {
	s := strings.ToLower(norm.NFKD.String(name))
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, s)
	s = strings.ReplaceAll(s, "&", " and ")
	s = strings.Trim(slugStrip.ReplaceAllString(s, "-"), "-")
	if len(s) > 60 {
		s = strings.Trim(s[:60], "-")
	}
	if s == "" {
		s = "organisation"
	}
	return s
}
