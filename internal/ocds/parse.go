package ocds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// File is a release package or record package read by Parse.
type File struct {
	// Kind is "release package" or "record package".
	Kind      string
	Publisher string
	// Releases are the valid releases in file order, decoded with numbers
	// as json.Number. For a record package they are each record's
	// embedded releases or, when it only links to them, its
	// compiledRelease.
	Releases []map[string]any
	// Positions are each release's place in the file (1-based): its
	// item in "releases", or its record's in "records".
	Positions []int
	// Raw holds each release's bytes as they are in a release package
	// (nil for a record package's), kept as published.
	Raw []json.RawMessage
	// Problems are the schema failures of the releases (or records) that
	// were left out, each with its JSON path.
	Problems []Problem
}

// ParseError refuses a file whole: not JSON, not a package, or the
// package itself (not one of its releases) fails the schema.
type ParseError struct {
	Problems []Problem
}

func (e *ParseError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// MaxProblems caps the problems reported for one file.
const MaxProblems = 200

var entryPath = regexp.MustCompile(`^\$\.(releases|records)\[(\d+)\]`)

// Parse reads a release package or a record package, validates it against
// the OCDS 1.1.5 package schema with the suitability and UK extensions
// merged into the release schema, and returns the valid releases. A file
// that is not JSON, not a package, or whose package-level fields fail the
// schema is refused with a *ParseError; a release or record that fails is
// left out and its problems listed in File.Problems.
func Parse(data []byte) (*File, error) {
	s, err := loadSchemas()
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, &ParseError{[]Problem{{Path: "$", Message: "not JSON: " + syntaxMessage(data, err)}}}
	}
	if _, err := dec.Token(); err == nil {
		return nil, &ParseError{[]Problem{{Path: "$", Message: "not JSON: more than one value in the file (" + position(data, dec.InputOffset()) + ")"}}}
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, &ParseError{[]Problem{{Path: "$", Message: "not an OCDS package: the file holds a JSON " + jsonType(doc) + ", not an object with \"releases\" or \"records\""}}}
	}
	f := &File{}
	if pub, ok := obj["publisher"].(map[string]any); ok {
		f.Publisher, _ = pub["name"].(string)
	}
	_, hasReleases := obj["releases"]
	_, hasRecords := obj["records"]
	var problems []Problem
	switch {
	case hasReleases && hasRecords:
		return nil, &ParseError{[]Problem{{Path: "$", Message: "not an OCDS package: it has both \"releases\" and \"records\""}}}
	case hasReleases:
		f.Kind = "release package"
		problems = validateReleasePackage(s, obj)
	case hasRecords:
		f.Kind = "record package"
		problems = validate(s.recordPackage, obj)
	default:
		msg := "not an OCDS package: no \"releases\" or \"records\" array"
		if _, ok := obj["ocid"]; ok {
			msg += " (this looks like a single release: put it in a release package)"
		}
		return nil, &ParseError{[]Problem{{Path: "$", Message: msg}}}
	}
	bad := map[int]bool{}
	var fatal []Problem
	for _, p := range problems {
		m := entryPath.FindStringSubmatch(p.Path)
		if m == nil {
			fatal = append(fatal, p)
			continue
		}
		i, _ := strconv.Atoi(m[2])
		bad[i] = true
		if len(f.Problems) < MaxProblems {
			f.Problems = append(f.Problems, p)
		}
	}
	if len(fatal) > 0 {
		if len(fatal) > MaxProblems {
			fatal = fatal[:MaxProblems]
		}
		return nil, &ParseError{fatal}
	}
	if hasReleases {
		var raw struct {
			Releases []json.RawMessage `json:"releases"`
		}
		if err := json.Unmarshal(data, &raw); err != nil {
			return nil, err
		}
		list, _ := obj["releases"].([]any)
		for i, r := range list {
			if !bad[i] {
				f.Releases = append(f.Releases, r.(map[string]any))
				f.Positions = append(f.Positions, i+1)
				f.Raw = append(f.Raw, raw.Releases[i])
			}
		}
		return f, nil
	}
	list, _ := obj["records"].([]any)
	for i, r := range list {
		if bad[i] {
			continue
		}
		rec := r.(map[string]any)
		var full []map[string]any
		rels, _ := rec["releases"].([]any)
		for _, x := range rels {
			if m, ok := x.(map[string]any); ok && m["id"] != nil && m["ocid"] != nil && m["initiationType"] != nil {
				full = append(full, m)
			}
		}
		if len(full) > 0 && len(full) == len(rels) {
			if v := validateEach(s, full, fmt.Sprintf("$.records[%d].releases", i)); len(v) > 0 {
				f.Problems = append(f.Problems, v...)
				continue
			}
			f.Releases = append(f.Releases, full...)
			for range full {
				f.Positions = append(f.Positions, i+1)
			}
			continue
		}
		if c, ok := rec["compiledRelease"].(map[string]any); ok {
			f.Releases = append(f.Releases, c)
			f.Positions = append(f.Positions, i+1)
			continue
		}
		f.Problems = append(f.Problems, Problem{Path: fmt.Sprintf("$.records[%d]", i), Message: "the record only links to its releases and has no compiledRelease, so there is nothing to import"})
	}
	return f, nil
}

// validateEach validates embedded releases of a record against the release
// schema (the record package schema accepts any object there).
func validateEach(s *schemas, rels []map[string]any, at string) []Problem {
	var out []Problem
	for i, r := range rels {
		for _, p := range validate(s.release, r) {
			out = append(out, Problem{Path: fmt.Sprintf("%s[%d]%s", at, i, strings.TrimPrefix(p.Path, "$")), Message: p.Message})
		}
	}
	return out
}

// ValidateReleasePackage checks an encoded release package (as Partnerhub
// publishes it) against the schemas with the extensions merged in; it
// returns nil when the package is valid.
func ValidateReleasePackage(b []byte) []Problem { return validateBytes(b, false) }

// ValidateRecordPackage checks an encoded record package the same way.
func ValidateRecordPackage(b []byte) []Problem { return validateBytes(b, true) }

func validateBytes(b []byte, record bool) []Problem {
	s, err := loadSchemas()
	if err != nil {
		return []Problem{{Path: "$", Message: err.Error()}}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return []Problem{{Path: "$", Message: "not JSON: " + syntaxMessage(b, err)}}
	}
	if record {
		return validate(s.recordPackage, doc)
	}
	return validateReleasePackage(s, doc)
}

func jsonType(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "value"
}

func syntaxMessage(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the bytes read, the offending one included.
		return se.Error() + " (" + position(data, max(se.Offset-1, 0)) + ")"
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Error() + " (" + position(data, te.Offset) + ")"
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "the file ends before the JSON does"
	}
	return err.Error()
}

// position turns the byte offset of a character into "line L, column C"
// (both from 1).
func position(data []byte, off int64) string {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Sprintf("line %d, column %d", line, col)
}
