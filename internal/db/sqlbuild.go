package db

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// SQL building shared by every feature: placeholder lists for IN (...),
// chunked queries over long id lists, and unique slugs. Values always go
// in as parameters; only placeholders and trusted identifiers are written
// into the SQL text.

// Marks returns n numbered placeholders starting at $from: "$3, $4, $5".
// Use it when the arguments are appended by the caller; otherwise
// Placeholders does both.
func Marks(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}

// Placeholders appends vals to args and returns their placeholders,
// numbered after the arguments already there: "$2, $3".
func Placeholders[T any](args *[]any, vals []T) string {
	from := len(*args) + 1
	for _, v := range vals {
		*args = append(*args, v)
	}
	return Marks(from, len(vals))
}

// InList is Placeholders for a long list on either database: "?, ?, ?" on
// SQLite, whose driver looks each "$n" up in the argument list (quadratic
// in a long list), and numbered placeholders on PostgreSQL. On SQLite the
// "?"s take the numbers after the highest "$n" before them, so a statement
// may mix a few "$n" parameters (appended first) with the list.
func InList[T any](d Dialect, args *[]any, vals []T) string {
	if d == Postgres {
		return Placeholders(args, vals)
	}
	for _, v := range vals {
		*args = append(*args, v)
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")
}

// InIDs appends a list of ids to args as one parameter and returns the
// right-hand side of a condition on an id column: "IN (SELECT value FROM
// json_each($n))" on SQLite (the ids as a JSON array), "= ANY($n)" on
// PostgreSQL (an array). The statement's text is then the same however
// many ids there are, so it is parsed once and kept prepared
// (ReadStatements) instead of parsed again for each length of list.
func InIDs(d Dialect, args *[]any, ids []int64) string {
	if d == Postgres {
		*args = append(*args, ids)
		return "= ANY($" + strconv.Itoa(len(*args)) + ")"
	}
	var b strings.Builder
	b.Grow(len(ids)*7 + 2)
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte(']')
	*args = append(*args, b.String())
	return "IN (SELECT value FROM json_each($" + strconv.Itoa(len(*args)) + "))"
}

// Chunks calls fn with consecutive slices of xs of at most n elements.
func Chunks[T any](xs []T, n int, fn func([]T) error) error {
	for len(xs) > 0 {
		k := min(n, len(xs))
		if err := fn(xs[:k]); err != nil {
			return err
		}
		xs = xs[k:]
	}
	return nil
}

// chunkSize bounds one IN list (SQLite allows 32,766 parameters; smaller
// statements plan and bind faster).
const chunkSize = 500

// QueryEach runs query once per chunk of ids, with "(IDS)" in it replaced
// by the chunk's placeholders after the extra arguments, and calls fn for
// every row.
func QueryEach[T any](ctx context.Context, q Querier, d Dialect, query string, extra []any, ids []T, fn func(*sql.Rows) error) error {
	return Chunks(ids, chunkSize, func(part []T) error {
		args := append([]any(nil), extra...)
		in := InList(d, &args, part)
		return EachRow(ctx, q, strings.Replace(query, "(IDS)", "("+in+")", 1), args, fn)
	})
}

// EachRow runs query and calls fn for every row.
func EachRow(ctx context.Context, q Querier, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// UniqueSlug returns base, or base-2, base-3 ..., the first that no row of
// table other than self (0: none) has as its slug and that is not one of
// reserved (paths that are pages, such as "new" under /orgs/). table is an
// identifier from the code, never from input.
func UniqueSlug(ctx context.Context, q Querier, table, base string, self int64, reserved ...string) (string, error) {
	slug := base
	for i := 2; ; i++ {
		if !slices.Contains(reserved, slug) {
			var id int64
			err := q.QueryRowContext(ctx, `SELECT id FROM `+table+` WHERE slug = $1`, slug).Scan(&id)
			if err == sql.ErrNoRows || (err == nil && id == self) {
				return slug, nil
			}
			if err != nil {
				return "", err
			}
		}
		slug = fmt.Sprintf("%s-%d", base, i)
	}
}

// IDSet runs query, a SELECT of one integer column (up to a few thousand
// rows), and returns its values in no particular order (sort them if the
// order matters). On SQLite the values come back as one row, joined by
// commas in the database (group_concat), and are split here: read as rows,
// database/sql's Next and Scan and the driver's column calls cost about a
// microsecond a row, three times the statement's own work for a list of
// ids (a directory search at 200,000 organisations reads up to 1,001 ids
// for its count and window). On PostgreSQL it is Column.
func IDSet(ctx context.Context, q Querier, d Dialect, query string, args ...any) ([]int64, error) {
	if d == Postgres {
		return Column[int64](ctx, q, query, args...)
	}
	var s sql.NullString
	if err := q.QueryRowContext(ctx, `WITH idset(v) AS (`+query+`) SELECT group_concat(v) FROM idset`, args...).Scan(&s); err != nil {
		return nil, err
	}
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	out := make([]int64, 0, strings.Count(s.String, ",")+1)
	for f := range strings.SplitSeq(s.String, ",") {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("IDSet: %q is not an integer", f)
		}
		out = append(out, v)
	}
	return out, nil
}
