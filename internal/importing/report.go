// Package importing is the one way Partnerhub reads import files: a row
// source (CSV or JSON records) with its header mapped by name, columns and
// enumerated values checked against a spec, every rejected row reported
// with its line (or item), column and reason, a row limit, a dry run, one
// transaction for everything written, one report and one exit status rule
// for every `partnerhub import` command. The directory and partnerships
// importers use it; OCDS, 360Giving and outcomes imports are meant to.
package importing

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"partnerhub/internal/apperr"
)

// MaxRows is the default row limit of one file.
const MaxRows = 500000

// Func is one `partnerhub import KIND FILE` command: it imports file (or,
// with dryRun, reports what it would do and writes nothing). An error
// means nothing was written (the file was refused whole); rows it could
// not take are in the report.
type Func = func(ctx context.Context, file string, dryRun bool) (*Report, error)

// Rejection is one row that was not taken.
type Rejection struct {
	Line   int    // line of the file (CSV) or item number (JSON)
	Column string // the first column at fault ("" when it is the row as a whole)
	Reason string // why, naming every column at fault
}

// Count is a further figure an importer reports ("memberships added").
type Count struct {
	Label string
	N     int
}

// Report says what an import did (or would do, on a dry run).
type Report struct {
	Format                            string // what the file was read as ("CSV", "Open Referral UK JSON" ...)
	Unit                              string // what a rejection's Line counts: "line" (the default) or "item"
	Rows, Created, Updated, Unchanged int
	Rejected                          []Rejection
	// Warnings are rows taken with a problem worth fixing at source (a
	// data-quality check: a zero amount, a malformed charity number).
	Warnings []Rejection
	// Notes are sentences about the file as a whole, printed before the
	// counts ("2 grants in USD are kept but not counted in GBP totals").
	Notes  []string
	Also   []Count
	DryRun bool
}

// Reject records a row that was not taken.
func (r *Report) Reject(line int, column, reason string) {
	r.Rejected = append(r.Rejected, Rejection{Line: line, Column: column, Reason: reason})
}

// RejectErr records a row refused with a validation error: its first
// field is the column, and the reason names every field ("postcode:
// Enter a valid postcode; wards: ...").
func (r *Report) RejectErr(line int, err error) {
	col, why := Reason(err)
	r.Reject(line, col, why)
}

// Reason turns a validation error into the column at fault and a reason.
func Reason(err error) (column, reason string) {
	fields := apperr.Fields(err)
	if len(fields) == 0 {
		return "", apperr.Message(err)
	}
	parts := make([]string, len(fields))
	for i, fe := range fields {
		parts[i] = fe.Message
		if fe.Field != "" {
			parts[i] = fe.Field + ": " + fe.Message
		}
	}
	return fields[0].Field, strings.Join(parts, "; ")
}

// Warn records a row that was taken with a problem worth fixing.
func (r *Report) Warn(line int, column, reason string) {
	r.Warnings = append(r.Warnings, Rejection{Line: line, Column: column, Reason: reason})
}

// Sort puts the rejections and warnings in file order.
func (r *Report) Sort() {
	sort.SliceStable(r.Rejected, func(i, j int) bool { return r.Rejected[i].Line < r.Rejected[j].Line })
	sort.SliceStable(r.Warnings, func(i, j int) bool { return r.Warnings[i].Line < r.Warnings[j].Line })
}

func (r *Report) unit() string {
	if r.Unit == "" {
		return "line"
	}
	return r.Unit
}

// Summary is the report's last line: the counts.
func (r *Report) Summary() string {
	verb := ""
	if r.DryRun {
		verb = "would be "
	}
	s := fmt.Sprintf("%d rows read; %d %screated, %d %supdated, %d unchanged, %d rejected", r.Rows, r.Created, verb, r.Updated, verb, r.Unchanged, len(r.Rejected))
	if r.Format != "" {
		s = r.Format + ": " + s
	}
	for i, c := range r.Also {
		sep := ", "
		if i == 0 {
			sep = "; "
		}
		s += fmt.Sprintf("%s%d %s", sep, c.N, c.Label)
	}
	return s
}

// String renders the report: every rejected row in file order, then the
// counts. It is what the CLI prints for every import. Warnings follow
// the rejections, then the notes.
func (r *Report) String() string {
	var b strings.Builder
	for _, x := range r.Rejected {
		fmt.Fprintf(&b, "%s %d: rejected: %s\n", r.unit(), x.Line, x.Reason)
	}
	for _, x := range r.Warnings {
		fmt.Fprintf(&b, "%s %d: warning: %s\n", r.unit(), x.Line, x.Reason)
	}
	for _, n := range r.Notes {
		b.WriteString("Note: " + n + "\n")
	}
	if r.DryRun {
		b.WriteString("Dry run: nothing was written.\n")
	}
	b.WriteString(r.Summary() + "\n")
	return b.String()
}

// Write prints the report (see String).
func (r *Report) Write(w io.Writer) error {
	_, err := io.WriteString(w, r.String())
	return err
}

// Exit statuses of every import command.
const (
	ExitAll     = 0 // every row was taken
	ExitSome    = 1 // some rows were rejected; the others were taken
	ExitRefused = 2 // the file was refused whole: nothing was written
)

// ExitCode is the one exit status rule of the import commands: err (the
// file refused whole, unreadable, or the write failed: nothing written)
// is ExitRefused, a report with rejected rows ExitSome, else ExitAll.
func ExitCode(rep *Report, err error) int {
	switch {
	case err != nil || rep == nil:
		return ExitRefused
	case len(rep.Rejected) > 0:
		return ExitSome
	}
	return ExitAll
}
