package directory

import (
	"fmt"
	"testing"
)

// At national scale every word of "Blackpool Community Trust" is in
// thousands of names. The register row for it must still find the
// hand-typed organisation (by its postcode, or among its rarest word's
// names), not be created beside it.
func TestHandMatchWithOnlyCommonWords(t *testing.T) {
	m := &handMatcher{byWord: map[string][]int{}, byPostcode: map[string][]int{}, rejected: map[string]bool{}}
	for i := range 3 * commonWord {
		words := []string{"Blackpool Youth Club", "Fylde Community Garden", "Wyre Trust Fund"}[i%3]
		m.add(handOrg{id: int64(i + 1), name: fmt.Sprintf("%s %d", words, i), postcode: fmt.Sprintf("FY%d %dAB", 1+i%9, i%10)})
	}
	for i := range commonWord + 1 { // every word of the name is common
		m.add(handOrg{id: int64(10000 + i), name: fmt.Sprintf("Blackpool Community Trust Shop %d", i), postcode: "PR1 1AA"})
	}
	m.add(handOrg{id: 99999, name: "Blackpool Community Trust", postcode: "FY1 5XY"})

	for _, tc := range []struct{ name, pc string }{
		{"BLACKPOOL COMMUNITY TRUST", "FY1 5XY"},
		{"BLACKPOOL COMMUNITY TRUST", ""},
	} {
		best := m.best(noApostrophes.Replace(tc.name), normPostcode(tc.pc), "1200001")
		if len(best) == 0 || m.orgs[best[0].i].id != 99999 {
			got := []int64{}
			for _, b := range best {
				got = append(got, m.orgs[b.i].id)
			}
			t.Errorf("%q at %q: proposed %v, want the hand-typed organisation 99999 first", tc.name, tc.pc, got)
		}
	}
	// A rejected proposal stays rejected.
	m.rejected["1200001\x0099999"] = true
	for _, b := range m.best("BLACKPOOL COMMUNITY TRUST", normPostcode("FY1 5XY"), "1200001") {
		if m.orgs[b.i].id == 99999 {
			t.Error("a rejected match was proposed again")
		}
	}
}

// TestHandMatchFallbackIsCapped: a row whose words are all common scores
// at most fallbackLimit organisations, however many names share its words
// (it scored every name with its rarest word), and still finds its
// hand-typed twin first even when it comes after that many others.
func TestHandMatchFallbackIsCapped(t *testing.T) {
	m := &handMatcher{byWord: map[string][]int{}, byPostcode: map[string][]int{}, rejected: map[string]bool{}}
	n := 3 * fallbackLimit
	for i := range n {
		m.add(handOrg{id: int64(i + 1), name: fmt.Sprintf("Blackpool Community Trust Shop %d", i), postcode: "PR1 1AA"})
	}
	for i := range n { // names with only some of the words
		m.add(handOrg{id: int64(100000 + i), name: fmt.Sprintf("Blackpool Youth Trust %d", i)})
	}
	m.add(handOrg{id: 99999, name: "Blackpool Community Trust", postcode: "FY1 5XY"})
	best := m.best("BLACKPOOL COMMUNITY TRUST", "", "1200001")
	if m.scored > fallbackLimit {
		t.Errorf("scored %d organisations, want at most %d", m.scored, fallbackLimit)
	}
	if len(best) == 0 || m.orgs[best[0].i].id != 99999 {
		t.Errorf("proposed %v, want the hand-typed organisation 99999 first", best)
	}
	// Without a twin: still at most fallbackLimit.
	m.scored = 0
	m.best("BLACKPOOL COMMUNITY TRUST SHOP", "", "1200002")
	if m.scored == 0 || m.scored > fallbackLimit {
		t.Errorf("scored %d organisations, want 1 to %d", m.scored, fallbackLimit)
	}
}
