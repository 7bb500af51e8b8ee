package dbtest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"partnerhub/internal/db"
)

var keptName = regexp.MustCompile(`^[a-z0-9_]+$`)

// Kept opens a migrated database for a benchmark whose data takes long to
// generate. With PARTNERHUB_BENCH_DB_DIR set it is kept between runs: on
// SQLite (base "") the file DIR/name.db, on PostgreSQL (base the server's
// URL) the schema bench_name (DROP SCHEMA bench_name CASCADE removes it);
// kept is true then, and the caller finds out whether its data is already
// there. Without the variable it is SQLite(t) or Postgres(t, base), fresh.
// name is lower-case letters, digits and underscores.
func Kept(t testing.TB, base, name string) (d *db.DB, kept bool) {
	t.Helper()
	if !keptName.MatchString(name) {
		t.Fatalf("dbtest.Kept: name %q is not lower-case letters, digits and underscores", name)
	}
	dir := os.Getenv("PARTNERHUB_BENCH_DB_DIR")
	if dir == "" {
		if base == "" {
			return SQLite(t), false
		}
		return Postgres(t, base), false
	}
	ctx := context.Background()
	o := db.Options{}
	if base == "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		o.Path = filepath.Join(dir, name+".db")
	} else {
		schema := "bench_" + name
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		_, err = admin.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+schema)
		admin.Close()
		if err != nil {
			t.Fatal(err)
		}
		if o.URL, err = withSearchPath(base, schema); err != nil {
			t.Fatal(err)
		}
	}
	d, err := db.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return d, true
}
