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

// stopWords carry no meaning in a search ("help with debt" is "debt help").
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a about an and are as at be by for from has have in into is it its
		of on or our so that the their them they this to us was we were what which who with you your`) {
		stopWords[w] = true
	}
}

// StopWord says whether a lower-case word carries no meaning in a search.
func StopWord(w string) bool { return stopWords[w] }

// SearchWords are the words of what someone typed into a search box, for
// lists searched with LIKE (db.MatchWords): lower case, letters and digits
// only, stop words dropped (all kept when every word is one), at most 12,
// each cut to a rough stem so that plurals and endings match ("banks" and
// "banking" look for "bank").
func SearchWords(q string) []string {
	all := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	var words []string
	for _, w := range all {
		if !stopWords[w] {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		words = all
	}
	if len(words) > 12 {
		words = words[:12]
	}
	for i, w := range words {
		words[i] = roughStem(w)
	}
	return words
}

// roughStem cuts common English endings from a word of five letters or
// more, keeping at least four letters.
func roughStem(w string) string {
	r := []rune(w)
	for _, suf := range []string{"ing", "ies", "es", "ed", "s"} {
		n := len([]rune(suf))
		if len(r)-n >= 4 && strings.HasSuffix(w, suf) {
			return string(r[:len(r)-n]) // "families" looks for "famil"
		}
	}
	return w
}
