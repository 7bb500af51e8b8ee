package db

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSQLitePathWithURICharacters: a database file whose path holds '#',
// '?' or '%' (a repeated subtest's temporary directory is TestX#01...) is
// opened at that path, not at the path cut where a URI would end, so two
// such databases are two files.
func TestSQLitePathWithURICharacters(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	for i, dir := range []string{"a#1", "a#2", "b?x=1", "c%41"} {
		path := filepath.Join(root, dir, "test.db")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		d, err := Open(ctx, Options{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		_, err = d.W().ExecContext(ctx, `CREATE TABLE IF NOT EXISTS t (n INTEGER)`)
		if err == nil {
			err = d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM t`).Scan(&n)
		}
		if err == nil {
			_, err = d.W().ExecContext(ctx, `INSERT INTO t VALUES (1)`)
		}
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("database %d at %s already holds %d rows of another", i+1, path, n)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("database %d is not at %s: %v", i+1, path, err)
		}
	}
	ents, _ := os.ReadDir(root)
	if len(ents) != 4 {
		t.Errorf("%d entries in %s, want the 4 directories: %v", len(ents), root, ents)
	}
}

// TestDataDirKeptAtTheCutPath: a data directory whose database an earlier
// Partnerhub kept at the path cut at '#' (before uriPath) is refused with
// the place of the old file, rather than opened as a new, empty site; an
// ordinary data directory with such characters and no old file opens.
func TestDataDirKeptAtTheCutPath(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	dir := filepath.Join(root, "site#1")
	old := filepath.Join(root, "site")
	if err := os.WriteFile(old, []byte("SQLite format 3\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Open(ctx, Options{DataDir: dir})
	if err == nil {
		d.Close()
		t.Fatalf("opened %s as a new database while the earlier one is at %s", dir, old)
	}
	if !strings.Contains(err.Error(), old) {
		t.Errorf("the error does not say where the database is: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "partnerhub.db")); err == nil {
		t.Error("an empty database was created beside the refusal")
	}
	d, err = Open(ctx, Options{DataDir: filepath.Join(root, "other#2")})
	if err != nil {
		t.Fatalf("a data directory with '#' and no earlier file: %v", err)
	}
	d.Close()
}
