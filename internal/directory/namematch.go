package directory

import (
	"fmt"
	"slices"
	"strings"
)

// Matching a name and postcode against the directory's organisations
// (grant recipients in internal/grants, register entries against
// organisations typed in by hand): the same words in the name, and the
// same postcode, give a confidence score for an administrator to confirm.

// NormName is a name as matching compares it: lower case, "&" as "and",
// punctuation dropped, and "the", "Ltd", "CIO" ... left out.
func NormName(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, "&", " and "))
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	})
	out := fields[:0]
	for _, f := range fields {
		switch f {
		case "the", "ltd", "limited", "cio", "cic", "plc", "llp", "inc":
			continue
		}
		out = append(out, f)
	}
	return strings.Join(out, " ")
}

// NameTokens are a name's distinct words once normalised, sorted.
func NameTokens(name string) []string {
	t := strings.Fields(NormName(name))
	slices.Sort(t)
	return slices.Compact(t)
}

// nameSimilarity is the share of words two names have in common (Jaccard).
func nameSimilarity(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	common := 0
	for _, w := range a {
		if _, ok := slices.BinarySearch(b, w); ok {
			common++
		}
	}
	return float64(common) / float64(len(a)+len(b)-common)
}

// MatchScore is how sure a match of a name and postcode to an
// organisation (its NameTokens and normalised postcode) is, 0-100, and
// why: the same name (after dropping "the", "Ltd" ...) scores 75, the
// same postcode 40, and names sharing words score by the share they
// share; a postcode alone scores no more than 40.
func MatchScore(name, postcode string, orgTokens []string, orgPostcode string) (int, string) {
	sim := nameSimilarity(NameTokens(name), orgTokens)
	samePC := postcode != "" && orgPostcode != "" && postcode == orgPostcode
	var c float64
	var why []string
	switch {
	case sim == 1:
		c = 75
		why = append(why, "same name")
	case sim > 0:
		c = 60 * sim
		why = append(why, fmt.Sprintf("names share %.0f%% of their words", sim*100))
	}
	if samePC {
		c += 40
		why = append(why, "same postcode "+postcode)
	}
	if c > 100 {
		c = 100
	}
	if sim == 0 {
		c = min(c, 40) // a postcode alone is not enough
	}
	return int(c + 0.5), strings.Join(why, "; ")
}
