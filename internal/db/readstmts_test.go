package db

import (
	"context"
	"path/filepath"
	"testing"
)

// Reads through kept statements (NewReadStatements) see every commit made
// after them, from a single row and from rows read to the end or closed
// early, and each SQL text is prepared once.
func TestReadStatementsSeeEveryCommit(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "r.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.W().ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	q := NewReadStatements(d)
	count := func() (n int) {
		t.Helper()
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM t WHERE n >= $1`, 0).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	first := func(all bool) (n int) {
		t.Helper()
		rows, err := q.QueryContext(ctx, `SELECT n FROM t ORDER BY n DESC`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				n = v
			}
			if !all {
				break // closed early
			}
		}
		return n
	}
	for i := 1; i <= 5; i++ {
		if got := count(); got != i-1 {
			t.Fatalf("before insert %d: count %d, want %d (a stale read)", i, got, i-1)
		}
		if got := first(i%2 == 0); i > 1 && got != i-1 {
			t.Fatalf("before insert %d: largest n %d, want %d (a stale read)", i, got, i-1)
		}
		if err := d.Write(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO t (n) VALUES ($1)`, i)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if got := count(); got != 5 {
		t.Fatalf("count %d, want 5", got)
	}
	if rs := q.(*ReadStatements); len(rs.stmts) != 2 {
		t.Fatalf("%d statements kept, want 2", len(rs.stmts))
	}
	// SQL that does not prepare fails, in Query and QueryRow.
	if _, err := q.QueryContext(ctx, `SELECT * FROM nowhere`); err == nil {
		t.Fatal("query of a missing table succeeded")
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT n FROM nowhere`).Scan(&n); err == nil {
		t.Fatal("query row of a missing table succeeded")
	}
}

// TestReadStatementsKeepFewListLengths: SQL with an IN list (InList's "?"
// or Placeholders' "$n") is a new text for each length of the list; at
// most maxListLengths of them are kept per statement, so after lists of
// hundreds of lengths a fixed statement run later is still kept prepared
// (before, the list's texts filled the cache's 256 places and every
// statement after them ran unprepared). Every query answers right, kept
// or not.
func TestReadStatementsKeepFewListLengths(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "r.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.W().ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 400; i++ {
		if _, err := d.W().ExecContext(ctx, `INSERT INTO t (n) VALUES ($1)`, i); err != nil {
			t.Fatal(err)
		}
	}
	q := NewReadStatements(d)
	rs := q.(*ReadStatements)
	for length := 1; length <= 300; length++ {
		ids := make([]int64, length)
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		for _, inList := range []bool{true, false} {
			args := []any{0}
			var in string
			if inList {
				in = InList(SQLite, &args, ids)
			} else {
				in = Placeholders(&args, ids)
			}
			var n int
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM t WHERE n > $1 AND id IN (`+in+`)`, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != length {
				t.Fatalf("list of %d (InList %v): count %d", length, inList, n)
			}
		}
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM t WHERE n >= $1`, 0).Scan(&n); err != nil || n != 400 {
		t.Fatalf("count %d, %v", n, err)
	}
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	if _, ok := rs.stmts[`SELECT COUNT(*) FROM t WHERE n >= $1`]; !ok {
		t.Errorf("a fixed statement run after lists of 300 lengths is not kept (%d statements kept)", len(rs.stmts))
	}
	// Lists of one ("IN (?)", "IN ($2)") are no list: one text each; the
	// InList and Placeholders texts of longer lists share one shape.
	if want := maxListLengths + 2 + 1; len(rs.stmts) != want {
		t.Errorf("%d statements kept, want %d", len(rs.stmts), want)
	}
}

func TestListShape(t *testing.T) {
	for q, want := range map[string]string{
		`SELECT 1 FROM t WHERE a = $1 AND id IN ($2, $3, $4)`: `SELECT 1 FROM t WHERE a = $ AND id IN ($…)`,
		`SELECT 1 FROM t WHERE a = ? AND id IN (?, ?)`:        `SELECT 1 FROM t WHERE a = $ AND id IN ($…)`,
		`SELECT 1 FROM t WHERE id IN ($2,$3) OR x IN ($9)`:    `SELECT 1 FROM t WHERE id IN ($…) OR x IN ($)`,
		`SELECT '$' || $1, $ FROM t`:                          `SELECT '$' || $1, $ FROM t`,
	} {
		got, list := listShape(q)
		if got != want || list != (got != q) {
			t.Errorf("listShape(%q) = %q, %v; want %q", q, got, list, want)
		}
	}
}

// TestListShapeIgnoresNumbering: a single "$n" after a list is numbered by
// the list's length, so texts with lists of different lengths share their
// shape only if every "$n" is one token (before, "LIMIT $7" and "LIMIT $8"
// made two shapes and the maxListLengths cap did not hold).
func TestListShapeIgnoresNumbering(t *testing.T) {
	a, _ := listShape(`SELECT 1 FROM t WHERE a = $1 AND id IN ($3, $4) AND b = $5 LIMIT $7`)
	b, _ := listShape(`SELECT 1 FROM t WHERE a = $1 AND id IN ($3, $4, $5) AND b = $6 LIMIT $8`)
	c, _ := listShape(`SELECT 1 FROM t WHERE a = $1 AND id IN (?, ?, ?, ?) AND b = ? LIMIT ?`)
	if a != b || a != c {
		t.Errorf("shapes differ:\n%s\n%s\n%s", a, b, c)
	}
}
