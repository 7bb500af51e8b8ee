// Package privacy holds Partnerhub's personal-data registry and the two
// things it drives: the subject-access export (everything held about a
// person, in one ZIP) and erasure (everything the registry lists deleted or
// replaced, aggregates kept). The registry declares, per table and column,
// what personal data is held, whose, on which lawful basis, for what
// purpose, for how long, who receives it and where it comes from; a test
// reads the live schema and fails when a column that looks personal is not
// declared.
package privacy

import "strings"

// Erasure is what erasing a person does to a table's rows about them.
type Erasure int

const (
	// Keep leaves the rows (Why says why: they are the organisation's, or
	// carry no personal data once the person's account is anonymised).
	Keep Erasure = iota
	// Delete removes the person's rows.
	Delete
	// Scrub replaces the personal columns with the values in Scrub and
	// keeps the row (booking counts, anonymous feedback).
	Scrub
)

// Table declares one table's personal data.
type Table struct {
	Name string
	// Only names the one dialect that has the table (a search index).
	Only string
	// Kind names the section of a subject-access export ("account",
	// "bookings" ...); "" leaves the table out of exports.
	Kind  string
	Whose string // whose data: user, organisation contact, attendee ...
	// Match selects the rows about a person: {user} is their user id (0
	// when they have no account), {email} their lower-case email address.
	Match string
	// Personal maps each personal column to what it holds.
	Personal map[string]string
	// Plain maps columns that look personal but are not to the reason.
	Plain map[string]string
	// Secret columns (hashes) are never exported.
	Secret []string
	// Mentions are free-text columns, written by anybody, that may name a
	// person: erasure replaces the person's name and email in them.
	Mentions []string
	// Export, when set, is the query a subject-access export runs instead
	// of every column of the matching rows (joins, pseudonyms resolved).
	Export string
	Erase  Erasure
	Scrub  map[string]string // column -> SQL expression, for Erase == Scrub
	Why    string            // why rows are kept (Erase == Keep)

	Basis, Purpose, Retention, Recipients, Source string
}

// Tables is the registry.
type Tables []Table

func (ts Tables) find(name string) *Table {
	for i := range ts {
		if ts[i].Name == name {
			return &ts[i]
		}
	}
	return nil
}

func (ts Tables) declared(table, column string) bool {
	t := ts.find(table)
	if t == nil {
		return false
	}
	_, p := t.Personal[column]
	_, n := t.Plain[column]
	return p || n || contains(t.Mentions, column) || contains(t.Secret, column)
}

// columns lists every column the declaration names.
func (t Table) columns() []string {
	var out []string
	for c := range t.Personal {
		out = append(out, c)
	}
	for c := range t.Plain {
		out = append(out, c)
	}
	out = append(out, t.Mentions...)
	out = append(out, t.Secret...)
	for c := range t.Scrub {
		out = append(out, c)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// plain declares several columns not personal for one reason.
func plain(reason string, cols ...string) map[string]string {
	m := map[string]string{}
	for _, c := range cols {
		for _, f := range strings.Fields(c) {
			m[f] = reason
		}
	}
	return m
}
