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
