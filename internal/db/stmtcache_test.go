package db

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// A transaction that keeps its statements (CacheStatements) prepares each
// SQL text once, gives the same results as one that does not, reports a
// statement's error (and keeps working after it), and stops keeping
// statements past maxCachedStatements without refusing any.
func TestCacheStatementsReusesPreparedStatements(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "c.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.W().ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	err = d.Write(ctx, func(tx *Tx) error {
		tx.CacheStatements()
		for i := range 100 {
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO t (n) VALUES ($1) RETURNING id`, i).Scan(&id); err != nil || id != int64(i+1) {
				return fmt.Errorf("insert %d: id %d, %v", i, id, err)
			}
		}
		// A constraint failure from a kept statement, then the same
		// statement again.
		if _, err := tx.ExecContext(ctx, `INSERT INTO t (n) VALUES ($1)`, 5); err == nil {
			return fmt.Errorf("a duplicate n was inserted")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO t (n) VALUES ($1)`, 100); err != nil {
			return err
		}
		// SQL that does not prepare fails in Exec, Query and QueryRow.
		if _, err := tx.ExecContext(ctx, `INSERT INTO nowhere VALUES (1)`); err == nil {
			return fmt.Errorf("exec of a missing table succeeded")
		}
		if _, err := tx.QueryContext(ctx, `SELECT * FROM nowhere`); err == nil {
			return fmt.Errorf("query of a missing table succeeded")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT n FROM nowhere`).Scan(&n); err == nil {
			return fmt.Errorf("query row of a missing table succeeded")
		}
		if len(tx.stmts) != 2 {
			return fmt.Errorf("%d statements kept, want 2", len(tx.stmts))
		}
		// Past the cap, statements run unprepared.
		for i := range maxCachedStatements + 20 {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO t (n) VALUES (%d)`, 1000+i)); err != nil {
				return err
			}
		}
		if len(tx.stmts) != maxCachedStatements {
			return fmt.Errorf("%d statements kept, want %d", len(tx.stmts), maxCachedStatements)
		}
		rows, err := tx.QueryContext(ctx, `SELECT COUNT(*), SUM(n) FROM t WHERE n < $1`, 1000)
		if err != nil {
			return err
		}
		defer rows.Close()
		var count, sum int
		if !rows.Next() {
			return fmt.Errorf("no count")
		}
		if err := rows.Scan(&count, &sum); err != nil || count != 101 || sum != 99*100/2+100 {
			return fmt.Errorf("count %d sum %d, %v", count, sum, err)
		}
		return rows.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	var count int
	if err := d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM t`).Scan(&count); err != nil || count != 101+maxCachedStatements+20 {
		t.Fatalf("after commit %d rows, %v", count, err)
	}
}
