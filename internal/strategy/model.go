package strategy

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"partnerhub/internal/apperr"
)

// Milestone statuses, in the order the forms offer them.
var Statuses = []string{"planned", "on_track", "at_risk", "done", "missed"}

// StatusLabels are the statuses' words (registered as labels).
var StatusLabels = map[string]string{"planned": "Planned", "on_track": "On track", "at_risk": "At risk", "done": "Done", "missed": "Missed"}

// Document is a strategy as a JSON file: what `partnerhub import strategy`
// reads (validated against schema/strategy.schema.json) and the export
// writes. The seed is one (seed/blackpool-2010.json).
type Document struct {
	Title      string         `json:"title"`
	Summary    string         `json:"summary,omitempty"`
	StartsOn   string         `json:"starts_on"`
	EndsOn     string         `json:"ends_on"`
	Aims       []AimDoc       `json:"aims"`
	Milestones []MilestoneDoc `json:"milestones,omitempty"`
}

// AimDoc is one strategic aim in a Document.
type AimDoc struct {
	Key          string       `json:"key"`
	Title        string       `json:"title"`
	Aim          string       `json:"aim,omitempty"`
	Note         string       `json:"note,omitempty"`
	SpecificAims []string     `json:"specific_aims,omitempty"`
	Activities   []string     `json:"activities,omitempty"`
	Outcomes     []OutcomeDoc `json:"outcomes"`
}

// OutcomeDoc is one outcome with the measures that show it.
type OutcomeDoc struct {
	Title     string   `json:"title"`
	Measures  []string `json:"measures"`
	Direction string   `json:"direction,omitempty"`
	Target    *float64 `json:"target,omitempty"`
}

// MilestoneDoc is one milestone.
type MilestoneDoc struct {
	Date     string     `json:"date"`
	Aim      string     `json:"aim,omitempty"`
	Title    string     `json:"title"`
	Status   string     `json:"status"`
	Note     string     `json:"note,omitempty"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Evidence is a link to a record that shows a milestone's progress.
type Evidence struct {
	Label string `json:"label"`
	Href  string `json:"href"`
}

//go:embed schema/strategy.schema.json
var schemaJSON []byte

//go:embed seed/blackpool-2010.json
var seedJSON []byte

// SchemaJSON is the strategy file's JSON schema (served for download).
func SchemaJSON() []byte { return schemaJSON }

// SeedJSON is Blackpool's strategy of 2010 as a strategy file.
func SeedJSON() []byte { return seedJSON }

var (
	schemaOnce sync.Once
	schemaVal  *jsonschema.Schema
	schemaErr  error
)

func compiled() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		const id = "https://partnerhub.example/schema/strategy.schema.json"
		if err := c.AddResource(id, doc); err != nil {
			schemaErr = err
			return
		}
		schemaVal, schemaErr = c.Compile(id)
	})
	return schemaVal, schemaErr
}

// Problem is one thing wrong with a strategy file, at its JSON path.
type Problem struct{ Path, Message string }

// Parse reads and checks a strategy file: JSON, the schema, then the
// rules a schema cannot say (dates in order, aim keys unique, milestones
// naming an aim that exists, measures that exist when known is given).
// It returns every problem found.
func Parse(data []byte, known func(string) bool) (*Document, []Problem) {
	sch, err := compiled()
	if err != nil {
		return nil, []Problem{{"", "the strategy schema does not compile: " + err.Error()}}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, []Problem{{"", "the file is not JSON: " + err.Error()}}
	}
	if err := sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, []Problem{{"", err.Error()}}
		}
		var out []Problem
		// The rules beyond the schema too, when the file's shape allows,
		// so that one pass names every problem.
		var d Document
		if json.Unmarshal(data, &d) == nil {
			out = append(out, d.check(known)...)
		}
		var walk func(e *jsonschema.ValidationError)
		walk = func(e *jsonschema.ValidationError) {
			if len(e.Causes) == 0 {
				out = append(out, Problem{"/" + strings.Join(e.InstanceLocation, "/"), e.ErrorKind.LocalizedString(printer)})
			}
			for _, c := range e.Causes {
				walk(c)
			}
		}
		walk(ve)
		slices.SortStableFunc(out, func(a, b Problem) int { return strings.Compare(a.Path, b.Path) })
		return nil, out
	}
	var d Document
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, []Problem{{"", err.Error()}}
	}
	return &d, d.check(known)
}

func (d *Document) check(known func(string) bool) []Problem {
	var out []Problem
	s, serr := time.Parse(time.DateOnly, d.StartsOn)
	e, eerr := time.Parse(time.DateOnly, d.EndsOn)
	if serr == nil && eerr == nil && e.Before(s) {
		out = append(out, Problem{"/ends_on", "the strategy ends before it starts"})
	}
	keys := map[string]bool{}
	for i, a := range d.Aims {
		if keys[a.Key] {
			out = append(out, Problem{fmt.Sprintf("/aims/%d/key", i), fmt.Sprintf("the aim key %q is used twice", a.Key)})
		}
		keys[a.Key] = true
		for j, o := range a.Outcomes {
			for k, m := range o.Measures {
				if known != nil && !known(m) {
					out = append(out, Problem{fmt.Sprintf("/aims/%d/outcomes/%d/measures/%d", i, j, k), fmt.Sprintf("there is no measure %q (the measures are listed on /partnerships/measures)", m)})
				}
			}
		}
	}
	for i, m := range d.Milestones {
		if m.Aim != "" && !keys[m.Aim] {
			out = append(out, Problem{fmt.Sprintf("/milestones/%d/aim", i), fmt.Sprintf("there is no aim %q in this file", m.Aim)})
		}
	}
	return out
}

// ProblemsErr is the problems as one validation error.
func ProblemsErr(ps []Problem) error {
	v := &apperr.Validation{}
	for _, p := range ps {
		path := p.Path
		if path == "" {
			path = "file"
		}
		v.Add("file", path+": "+p.Message)
	}
	return v.Err()
}

// CheckHref reports whether an evidence link is a path on this site or
// an https address.
func CheckHref(h string) bool {
	switch {
	case strings.HasPrefix(h, "https://"):
		return len(h) > len("https://") && !strings.ContainsAny(h, " \t\n<>\"")
	case h == "/":
		return true
	case strings.HasPrefix(h, "/") && len(h) > 1 && h[1] != '/' && h[1] != '\\':
		return !strings.ContainsAny(h, " \t\n<>\"")
	}
	return false
}

var printer = message.NewPrinter(language.English)
