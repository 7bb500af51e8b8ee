package importing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"partnerhub/internal/apperr"
)

// Source yields a file's records in order. Next returns io.EOF after the
// last; a *RowError for a record it read but cannot hand over (the row is
// rejected and reading goes on); any other error refuses the file whole.
type Source interface {
	Next() (*Record, error)
}

// RowError is a record that is rejected as a whole (its line, the column
// at fault if one is, and why).
type RowError struct {
	Line   int
	Column string
	Reason string
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Record is one row: its line (CSV; for JSON, its item number), its
// values by column, and for a JSON item its raw text.
type Record struct {
	Line   int
	header *Header
	values []string
	// Raw is a JSON item as it is in the file (nil for CSV).
	Raw []byte
}

// Get returns the value of a column ("" if the file has no such column).
// Column names are matched as headers are (see Normalize).
func (r *Record) Get(column string) string {
	if i, ok := r.header.index[column]; ok && i < len(r.values) {
		return r.values[i]
	}
	return ""
}

// Header is a file's columns.
type Header struct {
	Names []string       // as the file spells them
	index map[string]int // normalised name -> position
}

// Normalize is how headers and column names are matched: a byte-order
// mark and surrounding spaces dropped, lower case, and runs of spaces,
// hyphens and underscores made one underscore ("Charity Name " and
// "charity-name" are both charity_name).
func Normalize(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")))
	return strings.Join(strings.FieldsFunc(h, func(r rune) bool { return r == ' ' || r == '-' || r == '_' || r == '\t' }), "_")
}

// NewHeader maps column names to positions. A name that appears twice
// (once normalised) refuses the file, naming both columns: which one the
// rows mean cannot be known.
func NewHeader(names []string) (*Header, error) {
	h := &Header{Names: names, index: make(map[string]int, len(names))}
	for i, n := range names {
		k := Normalize(n)
		if k == "" {
			continue
		}
		if j, dup := h.index[k]; dup {
			return nil, apperr.Errorf(apperr.EINVALID, "Line 1: columns %d (%q) and %d (%q) are both %s; keep one of them", j+1, strings.TrimSpace(names[j]), i+1, strings.TrimSpace(n), k)
		}
		h.index[k] = i
	}
	return h, nil
}

// Index is a column's position (-1 if the file has no such column);
// the name is matched as headers are (see Normalize).
func (h *Header) Index(column string) int {
	if i, ok := h.index[Normalize(column)]; ok {
		return i
	}
	return -1
}

// Has says whether the file has a column.
func (h *Header) Has(column string) bool {
	_, ok := h.index[column]
	return ok
}

// Missing lists the columns the file lacks.
func (h *Header) Missing(columns ...string) []string {
	var out []string
	for _, c := range columns {
		if !h.Has(c) {
			out = append(out, c)
		}
	}
	return out
}

// Require refuses a file that lacks any of the columns, naming them.
func (h *Header) Require(columns ...string) error {
	if m := h.Missing(columns...); len(m) > 0 {
		return apperr.Errorf(apperr.EINVALID, "the file has no column %s (columns needed: %s)", strings.Join(m, ", "), strings.Join(columns, ", "))
	}
	return nil
}

// Each reads every record of src and calls fn with each readable one,
// counting rows on rep and rejecting (on rep) the ones the source cannot
// hand over. An error from src or fn stops it and refuses the file.
func Each(src Source, rep *Report, fn func(*Record) error) error {
	return each(src.Next, rep, fn)
}

// each is Each for any kind of record (a Record, a streamed Row).
func each[T any](next func() (T, error), rep *Report, fn func(T) error) error {
	for {
		rec, err := next()
		if err == io.EOF {
			return nil
		}
		var re *RowError
		if errors.As(err, &re) {
			rep.Rows++
			rep.Reject(re.Line, re.Column, re.Reason)
			continue
		}
		if err != nil {
			return err
		}
		rep.Rows++
		if err := fn(rec); err != nil {
			return err
		}
	}
}

func tooMany(limit int, what string) error {
	return apperr.Errorf(apperr.ETOOLARGE, "The file has more than %d %s; split it into smaller files", limit, what)
}

type optionsKey struct{}

// WithOptions passes an import command's further flags (`--postcodes
// FY1,FY2`, `--classification FILE`) to its importing.Func.
func WithOptions(ctx context.Context, opts map[string]string) context.Context {
	return context.WithValue(ctx, optionsKey{}, opts)
}

// Option is one of the command's further flags ("" if not given).
func Option(ctx context.Context, name string) string {
	m, _ := ctx.Value(optionsKey{}).(map[string]string)
	return m[name]
}
