package dbtest_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestSeededCopiesAreApart: the seed runs once per database, every test
// gets the seeded rows in a database of its own (what one test writes or
// deletes is not in the next one's), and the sequences go on from where
// the seed left them, so a test's new rows do not collide with the
// seeded ones.
func TestSeededCopiesAreApart(t *testing.T) {
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	key := "dbtest-apart-" + hex.EncodeToString(b) // a seed of this run only (-count=2)
	seeds := map[db.Dialect]int{}
	seed := func(ctx context.Context, d *db.DB) error {
		seeds[d.Dialect]++
		return d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ('seeded@example.org', 'S', 'x', $1, $1)`, db.Now())
			return err
		})
	}
	count := func(t *testing.T, d *db.DB, email string) int {
		var n int
		if err := d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = $1`, email).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := 1; i <= 3; i++ {
		dbtest.EachSeeded(t, key, seed, func(t *testing.T, d *db.DB) {
			if n := count(t, d, "seeded@example.org"); n != 1 {
				t.Fatalf("copy %d holds %d seeded rows, want 1", i, n)
			}
			if n := count(t, d, "apart@example.org"); n != 0 {
				t.Fatalf("copy %d already holds the row another copy wrote (%d)", i, n)
			}
			var seeded, added int64
			if err := d.Write(ctx, func(tx *db.Tx) error {
				if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = 'seeded@example.org'`).Scan(&seeded); err != nil {
					return err
				}
				if err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ('apart@example.org', 'A', 'x', $1, $1) RETURNING id`, db.Now()).Scan(&added); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `DELETE FROM users WHERE email = 'seeded@example.org'`)
				return err
			}); err != nil {
				t.Fatalf("copy %d: %v", i, err)
			}
			if added <= seeded {
				t.Fatalf("copy %d: a new row got id %d, the seeded one has %d", i, added, seeded)
			}
		})
	}
	for dialect, n := range seeds {
		if n != 1 {
			t.Errorf("%s: seeded %d times for three tests, want once", dialect, n)
		}
	}
	if len(seeds) == 0 {
		t.Error("never seeded")
	}
}
