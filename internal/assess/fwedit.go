package assess

import (
	"fmt"
	"sort"
	"strings"
)

// Helpers for the form-based framework editor: they change a copy of a
// draft's definition; the result is checked by Validate and stored by
// updateDraft like any other edit.

// Clone is a deep copy of the framework.
func (f *Framework) Clone() *Framework {
	c := *f
	c.CheckInMonths = append([]int(nil), f.CheckInMonths...)
	c.Results = append([]Outcome(nil), f.Results...)
	c.Areas = make([]Area, len(f.Areas))
	for i, a := range f.Areas {
		a.Help = append([]Help(nil), a.Help...)
		ins := make([]Indicator, len(a.Indicators))
		for j, in := range a.Indicators {
			in.Levels = append([]string(nil), in.Levels...)
			ins[j] = in
		}
		a.Indicators = ins
		c.Areas[i] = a
	}
	return &c
}

// usedCodes are every area, indicator and result code of f.
func (f *Framework) usedCodes() map[string]bool {
	used := map[string]bool{}
	for _, a := range f.Areas {
		used[a.Code] = true
		for _, in := range a.Indicators {
			used[in.Code] = true
		}
	}
	for _, o := range f.Results {
		used["result:"+o.Code] = true
	}
	return used
}

// newCode makes a code from words (lower-case letters, digits and
// underscores, at most 30 characters) that is not in used.
func newCode(words, prefix string, used map[string]bool) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(words) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			under = false
		case !under && b.Len() > 0:
			b.WriteByte('_')
			under = true
		}
		if b.Len() >= 30 {
			break
		}
	}
	base := strings.Trim(b.String(), "_")
	if base == "" {
		base = "item"
	}
	code := base
	for n := 2; used[prefix+code]; n++ {
		code = fmt.Sprintf("%s_%d", base, n)
	}
	used[prefix+code] = true
	return code
}

// areaIndex is the position of area code in f, or -1.
func (f *Framework) areaIndex(code string) int {
	for i := range f.Areas {
		if f.Areas[i].Code == code {
			return i
		}
	}
	return -1
}

// indicatorIndex is the position of indicator code in area a, or -1.
func (a *Area) indicatorIndex(code string) int {
	for i := range a.Indicators {
		if a.Indicators[i].Code == code {
			return i
		}
	}
	return -1
}

// move swaps item i with its neighbour above (up) or below; false when
// there is none.
func move[T any](s []T, i int, up bool) bool {
	j := i + 1
	if up {
		j = i - 1
	}
	if i < 0 || j < 0 || i >= len(s) || j >= len(s) {
		return false
	}
	s[i], s[j] = s[j], s[i]
	return true
}

// sortResults lists result bands from the highest threshold to the lowest,
// the order Score reads them in (first match wins).
func sortResults(rs []Outcome) {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].MinOverall != rs[j].MinOverall {
			return rs[i].MinOverall > rs[j].MinOverall
		}
		return rs[i].MinArea > rs[j].MinArea
	})
}
