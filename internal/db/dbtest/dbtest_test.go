package dbtest_test

import (
	"context"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestSQLiteFixturesAreMigratedAndApart: each SQLite fixture (a copy of a
// template migrated once) has the whole schema and is its own database: a
// row written to one is not in the next one.
func TestSQLiteFixturesAreMigratedAndApart(t *testing.T) {
	ctx := context.Background()
	count := func(d *db.DB) int {
		var n int
		if err := d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = 'apart@example.org'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := 0; i < 2; i++ {
		d := dbtest.SQLite(t)
		if err := d.CheckSchema(ctx); err != nil {
			t.Fatalf("fixture %d: %v", i+1, err)
		}
		if n := count(d); n != 0 {
			t.Fatalf("fixture %d already holds the row another fixture wrote (%d)", i+1, n)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ('apart@example.org', 'A', 'x', $1, $1)`, db.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n := count(d); n != 1 {
			t.Fatalf("fixture %d: the row written is not there (%d)", i+1, n)
		}
	}
}
