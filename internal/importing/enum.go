package importing

import (
	"fmt"
	"strings"

	"partnerhub/internal/apperr"
)

// Enum is an enumerated column: a value is accepted as its code or as the
// label the pages show for it, in any case, with spaces, hyphens and
// underscores alike ("public body", "Public-Body" and "public_body" are
// all public_body). A label ending in a parenthesised short form also
// matches by either part ("Community interest company (CIC)": "CIC" or
// "community interest company").
type Enum struct {
	codes  []string
	label  func(string) string
	byName map[string]string
}

// NewEnum makes the enum of codes, labelled by label (nil: codes only).
// Codes win over labels, and a label two codes share matches neither.
func NewEnum(codes []string, label func(string) string) *Enum {
	e := &Enum{codes: codes, label: label, byName: map[string]string{}}
	for _, c := range codes {
		e.byName[enumKey(c)] = c
	}
	if label == nil {
		return e
	}
	shared := map[string]bool{}
	add := func(k, code string) {
		if k == "" || shared[k] {
			return
		}
		if have, ok := e.byName[k]; ok {
			if have != code && enumKey(have) != k { // another code's label
				delete(e.byName, k)
				shared[k] = true
			}
			return
		}
		e.byName[k] = code
	}
	for _, c := range codes {
		l := strings.TrimSpace(label(c))
		add(enumKey(l), c)
		if i := strings.LastIndex(l, "("); i > 0 && strings.HasSuffix(l, ")") {
			add(enumKey(l[:i]), c)
			add(enumKey(l[i+1:len(l)-1]), c)
		}
	}
	return e
}

func enumKey(s string) string { return Normalize(s) }

// Code returns the code a value names; "" for an empty value.
func (e *Enum) Code(value string) (string, error) {
	if c, ok := e.byName[value]; ok { // a code as it is (most files)
		return c, nil
	}
	if strings.TrimSpace(value) == "" {
		return "", nil
	}
	if c, ok := e.byName[enumKey(value)]; ok {
		return c, nil
	}
	return "", fmt.Errorf("%q is not one of %s", strings.TrimSpace(value), e.Describe())
}

// Describe lists the accepted values: "vcs (Voluntary and community), ...".
func (e *Enum) Describe() string {
	parts := make([]string, len(e.codes))
	for i, c := range e.codes {
		parts[i] = c
		if e.label != nil {
			if l := e.label(c); l != "" && enumKey(l) != enumKey(c) {
				parts[i] += " (" + l + ")"
			}
		}
	}
	return strings.Join(parts, ", ")
}

// Value is Code for a column of a row: a value that names no code is
// added to val under the column, and comes back as it was.
func (e *Enum) Value(column, value string, val *apperr.Validation) string {
	c, err := e.Code(value)
	if err != nil {
		val.Add(column, err.Error())
		return strings.TrimSpace(value)
	}
	return c
}
