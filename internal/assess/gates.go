package assess

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// applyGates caps res.Outcome at each gate indicator's band while that
// indicator scores below GateBelow or is not rated, and records which
// gates held the result down.
func applyGates(f *Framework, ratings map[string]int, res *Result) {
	rank := map[string]int{}
	for i, o := range f.Results {
		rank[o.Code] = i
	}
	cur, ok := rank[res.Outcome.Code]
	if !ok {
		return
	}
	for _, a := range f.Areas {
		for _, in := range a.Indicators {
			capAt, gated := rank[in.Gate]
			if in.Gate == "" || !gated {
				continue
			}
			r, rated := ratings[in.Code]
			if rated && in.Valid(r) && in.Fraction(r)*100 >= GateBelow {
				continue
			}
			rating := "Not rated"
			if rated && in.Valid(r) {
				rating = in.RatingLabel(r)
			}
			if capAt <= cur {
				continue // the scores alone put the result at or below the cap
			}
			res.Gated = append(res.Gated, Finding{Area: a.Code, AreaTitle: a.Title, Code: in.Code, Text: in.Text, Rating: rating, Help: a.Help, Action: ActionFor(a, in, r)})
			if capAt > rank[res.Outcome.Code] {
				res.Outcome = f.Results[capAt]
			}
		}
	}
}

// ActionFor puts a gap as an action to take, from the indicator's own
// words: the next level up for a levels scale ("Quality assurance: move
// from “None” to “Informal checks”"), otherwise the statement as something
// to make true, with the indicator's guidance after it.
func ActionFor(a Area, in Indicator, rating int) string {
	var s string
	if in.Scale == ScaleLevels && rating >= 0 && rating+1 < len(in.Levels) {
		s = a.Title + ": move from “" + in.Levels[rating] + "” to “" + in.Levels[rating+1] + "”"
	} else {
		text := strings.TrimSpace(in.Text)
		if strings.HasSuffix(text, "?") {
			s = a.Title + ": " + text // a question without levels: keep its words
		} else {
			s = a.Title + ": make sure that " + lowerFirst(strings.TrimSuffix(text, "."))
		}
	}
	if g := strings.TrimSpace(in.Guidance); g != "" {
		s += ". " + g
	}
	if r := []rune(s); len(r) > 500 {
		s = string(r[:497]) + "..."
	}
	return s
}

// lowerFirst lowers the first letter unless the word is an acronym.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	if r2, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(r2) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// OutcomeLabel is the label of the result band with code (the code when
// there is none).
func (f *Framework) OutcomeLabel(code string) string {
	if o, ok := f.Outcome(code); ok {
		return o.Label
	}
	return code
}
