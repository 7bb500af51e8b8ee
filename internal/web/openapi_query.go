package web

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"partnerhub/internal/apperr"
)

// QueryRules are the query parameters an OpenAPI document declares for each
// GET path, read from the document itself so that what the API accepts and
// what its description promises cannot drift apart. Check answers a
// parameter the document forbids (a number out of its bounds, a word not in
// its enum, text too long) with a 422 naming the parameter, instead of the
// handler dropping the filter or replacing the value silently.
type QueryRules map[string][]QueryParam

// QueryParam is one query parameter's schema (the keywords Check enforces).
type QueryParam struct {
	Name      string
	Type      string // "integer", "number", "string", "boolean"
	Minimum   *float64
	Maximum   *float64
	Enum      []string
	MaxLength *int
}

type openAPIParam struct {
	Ref    string `json:"$ref"`
	Name   string `json:"name"`
	In     string `json:"in"`
	Schema struct {
		Type      any      `json:"type"`
		Minimum   *float64 `json:"minimum"`
		Maximum   *float64 `json:"maximum"`
		Enum      []any    `json:"enum"`
		MaxLength *int     `json:"maxLength"`
	} `json:"schema"`
}

// ParseQueryRules reads the GET operations' query parameters of an OpenAPI
// document (parameters given inline or as #/components/parameters refs).
func ParseQueryRules(doc []byte) (QueryRules, error) {
	var d struct {
		Paths map[string]struct {
			Get *struct {
				Parameters []openAPIParam `json:"parameters"`
			} `json:"get"`
		} `json:"paths"`
		Components struct {
			Parameters map[string]openAPIParam `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	out := QueryRules{}
	for path, item := range d.Paths {
		if item.Get == nil {
			continue
		}
		for _, p := range item.Get.Parameters {
			if p.Ref != "" {
				c, ok := d.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
				if !ok {
					return nil, fmt.Errorf("openapi document: %s: unknown parameter %s", path, p.Ref)
				}
				p = c
			}
			if p.In != "query" {
				continue
			}
			qp := QueryParam{Name: p.Name, Minimum: p.Schema.Minimum, Maximum: p.Schema.Maximum, MaxLength: p.Schema.MaxLength}
			qp.Type, _ = p.Schema.Type.(string)
			for _, e := range p.Schema.Enum {
				qp.Enum = append(qp.Enum, fmt.Sprint(e))
			}
			out[path] = append(out[path], qp)
		}
	}
	return out, nil
}

// MustQueryRules is ParseQueryRules for an embedded document: a document
// that does not parse is a programming error found at start-up.
func MustQueryRules(doc []byte) QueryRules {
	r, err := ParseQueryRules(doc)
	if err != nil {
		panic(err)
	}
	return r
}

// Check validates q against the parameters declared for path (a path of
// the document, such as "/api/v1/organizations"). Empty values are left
// to the handler's defaults; parameters the document does not declare are
// ignored.
func (qr QueryRules) Check(path string, q url.Values) error {
	var v apperr.Validation
	for _, p := range qr[path] {
		s := q.Get(p.Name)
		if s == "" {
			continue
		}
		if msg := p.problem(s); msg != "" {
			v.Add(p.Name, msg)
		}
	}
	return v.Err()
}

// problem says what is wrong with the value s, or "".
func (p QueryParam) problem(s string) string {
	switch p.Type {
	case "integer", "number":
		var n float64
		var err error
		if p.Type == "integer" {
			var i int64
			i, err = strconv.ParseInt(s, 10, 64)
			n = float64(i)
		} else {
			n, err = strconv.ParseFloat(s, 64)
		}
		if err != nil || (p.Minimum != nil && n < *p.Minimum) || (p.Maximum != nil && n > *p.Maximum) {
			return p.Name + " must be " + p.numberRange()
		}
	case "boolean":
		if s != "true" && s != "false" {
			return p.Name + " must be true or false"
		}
	}
	if p.Enum != nil && !slices.Contains(p.Enum, s) {
		return p.Name + " must be one of: " + strings.Join(p.Enum, ", ")
	}
	if p.MaxLength != nil && len([]rune(s)) > *p.MaxLength {
		return fmt.Sprintf("%s must be %d characters or fewer", p.Name, *p.MaxLength)
	}
	return ""
}

func (p QueryParam) numberRange() string {
	what := "a whole number"
	if p.Type == "number" {
		what = "a number"
	}
	g := func(f *float64) string { return strconv.FormatFloat(*f, 'f', -1, 64) }
	switch {
	case p.Minimum != nil && p.Maximum != nil:
		return what + " from " + g(p.Minimum) + " to " + g(p.Maximum)
	case p.Minimum != nil:
		return what + " of at least " + g(p.Minimum)
	case p.Maximum != nil:
		return what + " of at most " + g(p.Maximum)
	}
	return what
}
