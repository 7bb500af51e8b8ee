package db

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
)

// goStepsSource is this file, for MigrationsDigest: the steps' code is
// part of what a migrated schema depends on.
//
//go:embed migrate_steps.go
var goStepsSource string

// goSteps are the parts of migrations that SQL alone cannot write, by the
// migration file's name without .sql (dialect included). Each runs in the
// migration's transaction after the file's SQL.
var goSteps = map[string]func(context.Context, *Tx) error{
	// partnerships.origin gains 'bid' (a consortium formed to bid for an
	// opportunity); PostgreSQL re-creates the constraint in the SQL file.
	"0231_partnership_origin_bid.sqlite": func(ctx context.Context, tx *Tx) error {
		return widenSQLiteCheck(ctx, tx, "partnerships",
			`CHECK (origin IN ('event','partner_finder','looking_for_partners','other'))`,
			`CHECK (origin IN ('event','partner_finder','looking_for_partners','other','bid'))`)
	},
}

// widenSQLiteCheck replaces a CHECK constraint of an SQLite table by one
// that accepts more (every row that passed the old one passes the new
// one). SQLite cannot alter a constraint, so this is the procedure its
// documentation gives for constraint changes that leave the stored rows
// as they are (https://www.sqlite.org/lang_altertable.html, "Making Other
// Kinds Of Table Schema Changes"): the table's CREATE statement is edited
// in sqlite_schema under writable_schema, and the schema version is
// increased so that every connection reads the schema again. It was chosen
// over the 12-step rebuild because that needs foreign keys off outside the
// migration's transaction (with them on, dropping partnerships would
// cascade to every table that refers to it) and the re-creation of the
// table's triggers, indexes and views; this edit touches no row, index,
// trigger or reference. old must occur exactly once in the statement; the
// table is checked (PRAGMA integrity_check, which checks CHECK
// constraints) against the new schema before the transaction commits.
func widenSQLiteCheck(ctx context.Context, tx *Tx, table, old, new string) error {
	var stmt string
	if err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = $1`, table).Scan(&stmt); err != nil {
		return fmt.Errorf("read the schema of %s: %w", table, err)
	}
	if n := strings.Count(stmt, old); n != 1 {
		return fmt.Errorf("the schema of %s has %d copies of %q, not one: not changed", table, n, old)
	}
	var version int
	if err := tx.QueryRowContext(ctx, `PRAGMA schema_version`).Scan(&version); err != nil {
		return err
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`PRAGMA writable_schema = ON`, nil},
		{`UPDATE sqlite_schema SET sql = $1 WHERE type = 'table' AND name = $2`, []any{strings.Replace(stmt, old, new, 1), table}},
		{fmt.Sprintf(`PRAGMA schema_version = %d`, version+1), nil},
		{`PRAGMA writable_schema = OFF`, nil},
	} {
		if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
			return fmt.Errorf("%s: %w", q.sql, err)
		}
	}
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(`PRAGMA integrity_check(%s)`, table))
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s after the change: %s", table, strings.Join(problems, "; "))
	}
	return nil
}
