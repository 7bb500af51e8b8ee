package library

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// The Compact's body is Markdown in which each "## " heading starts a
// section and each commitment is a list item "- 1.1 [both] text" (the
// addressee in brackets: public, third or both).
var commitmentLine = regexp.MustCompile(`^\s*[-*]\s+\**(\d+\.\d+)\**\s+\[(public|third|both)\]\s+(.+)$`)

// ParseCompact reads the sections and numbered commitments of a body.
func ParseCompact(body string) []Section {
	var out []Section
	for _, line := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n") {
		if t, ok := strings.CutPrefix(strings.TrimSpace(line), "## "); ok {
			out = append(out, Section{Title: strings.TrimSpace(t)})
			continue
		}
		m := commitmentLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if len(out) == 0 {
			out = append(out, Section{Title: "Commitments"})
		}
		s := &out[len(out)-1]
		s.Commitments = append(s.Commitments, Commitment{Number: m[1], AddressedTo: m[2], Text: strings.TrimSpace(m[3])})
	}
	return out
}

// commitmentNumbers lists every commitment number of the sections.
func commitmentNumbers(secs []Section) map[string]bool {
	out := map[string]bool{}
	for _, s := range secs {
		for _, c := range s.Commitments {
			out[c.Number] = true
		}
	}
	return out
}

// checkCompactBody refuses a Compact body with no commitments or a number
// given twice.
func checkCompactBody(body string) string {
	seen := map[string]bool{}
	n := 0
	for _, s := range ParseCompact(body) {
		for _, c := range s.Commitments {
			if seen[c.Number] {
				return fmt.Sprintf("Commitment %s is numbered twice: give each commitment its own number", c.Number)
			}
			seen[c.Number] = true
			n++
		}
	}
	if n == 0 {
		return "The Compact needs numbered commitments, one on each line as \"- 1.1 [both] text\" (public, third or both), under \"## \" section headings"
	}
	return ""
}

// DiffLine is one line of a diff: Op is "same", "added" or "removed".
type DiffLine struct {
	Op       string
	Old, New int // line numbers (0: none)
	Text     string
}

// Mark is the text sign of the line's change, so colour is not the only cue.
func (l DiffLine) Mark() string {
	switch l.Op {
	case "added":
		return "+"
	case "removed":
		return "−"
	}
	return ""
}

// Diff compares two bodies line by line (difflib's sequence matcher, the
// algorithm of Python's difflib), keeping up to context unchanged lines
// around each change; a gap is a DiffLine with Op "gap".
func Diff(from, to string, context int) []DiffLine {
	a := strings.Split(strings.ReplaceAll(from, "\r\n", "\n"), "\n")
	b := strings.Split(strings.ReplaceAll(to, "\r\n", "\n"), "\n")
	m := difflib.NewMatcher(a, b)
	var out []DiffLine
	for gi, group := range m.GetGroupedOpCodes(context) {
		if gi > 0 {
			out = append(out, DiffLine{Op: "gap"})
		}
		for _, op := range group {
			switch op.Tag {
			case 'e':
				for i := op.I1; i < op.I2; i++ {
					out = append(out, DiffLine{Op: "same", Old: i + 1, New: op.J1 + i - op.I1 + 1, Text: a[i]})
				}
			default:
				if op.Tag == 'r' || op.Tag == 'd' {
					for i := op.I1; i < op.I2; i++ {
						out = append(out, DiffLine{Op: "removed", Old: i + 1, Text: a[i]})
					}
				}
				if op.Tag == 'r' || op.Tag == 'i' {
					for j := op.J1; j < op.J2; j++ {
						out = append(out, DiffLine{Op: "added", New: j + 1, Text: b[j]})
					}
				}
			}
		}
	}
	return out
}

// DiffCounts counts added and removed lines.
func DiffCounts(lines []DiffLine) (added, removed int) {
	for _, l := range lines {
		switch l.Op {
		case "added":
			added++
		case "removed":
			removed++
		}
	}
	return
}
