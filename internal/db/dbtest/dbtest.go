// Package dbtest gives tests a fresh, migrated database on SQLite and, when
// PARTNERHUB_TEST_POSTGRES_URL is set, on PostgreSQL (one schema per test,
// dropped afterwards). With CI=true a missing PostgreSQL URL fails the test
// run instead of silently skipping it.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"partnerhub/internal/db"
)

// PostgresURL is the server tests use, or "". Its sessions commit
// without waiting for the write-ahead log to reach the disk
// (synchronous_commit off, unless PARTNERHUB_TEST_POSTGRES_URL sets it):
// a test's rows need not survive a crash of the server, and on the
// shared test machine each commit's flush took 2-10 ms, most of the
// PostgreSQL half's wall time. What a transaction sees, and when it
// conflicts or fails, is unchanged.
func PostgresURL(t testing.TB) string {
	u := os.Getenv("PARTNERHUB_TEST_POSTGRES_URL")
	if u == "" && os.Getenv("CI") == "true" {
		t.Fatal("CI=true but PARTNERHUB_TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite would be skipped")
	}
	if u == "" {
		return ""
	}
	return asyncCommit(u)
}

// asyncCommit adds synchronous_commit=off to a PostgreSQL URL (or
// keyword/value connection string) that does not set it; pgx sends it as
// a startup parameter.
func asyncCommit(u string) string {
	if strings.Contains(u, "synchronous_commit") {
		return u
	}
	if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		return u + " synchronous_commit=off"
	}
	pu, err := url.Parse(u)
	if err != nil {
		return u // db.Open reports the bad URL
	}
	q := pu.Query()
	q.Set("synchronous_commit", "off")
	pu.RawQuery = q.Encode()
	return pu.String()
}

// RequirePostgres is PostgresURL for a test that runs on PostgreSQL only:
// it skips the test when no server is set (and fails it under CI=true).
func RequirePostgres(t testing.TB) string {
	t.Helper()
	u := PostgresURL(t)
	if u == "" {
		t.Skip("PARTNERHUB_TEST_POSTGRES_URL is not set")
	}
	return u
}

// Each runs fn once per available database, as subtests "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if u := PostgresURL(t); u != "" {
		t.Run("postgres", func(t *testing.T) {
			if os.Getenv("PARTNERHUB_TEST_VIA_PGBOUNCER") == "1" {
				fn(t, PgBouncer(t)) // the whole PostgreSQL half through a pooler
				return
			}
			fn(t, Postgres(t, u))
		})
	}
}

// SQLite opens a migrated SQLite database in a temporary directory: a
// copy of a template migrated once (see sqliteTemplate), then migrated
// again, which finds nothing pending.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	tmpl, err := sqliteTemplate()
	if err != nil {
		t.Fatal(err)
	}
	return openSQLite(t, func(path string) error { return copyFile(tmpl, path) })
}

// openSQLite opens, closes at the end of the test and migrates the SQLite
// database that write puts at a path in the test's temporary directory.
func openSQLite(t testing.TB, write func(path string) error) *db.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	if err := write(path); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(context.Background(), db.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

var sqliteTmpl struct {
	once sync.Once
	path string
	err  error
}

// sqliteTemplate is the path of a SQLite file with every migration
// applied. Migrating a new file took 140-550 ms of each store test on a
// loaded machine; a copy takes a millisecond. The file is kept in the
// temporary directory under the migrations' digest, so the test binaries
// of every package share it and a changed migration makes a new one. It
// is written to a unique name and renamed, so concurrent test binaries
// never see half a file.
func sqliteTemplate() (string, error) {
	sqliteTmpl.once.Do(func() {
		sqliteTmpl.path, sqliteTmpl.err = makeSQLiteTemplate()
	})
	return sqliteTmpl.path, sqliteTmpl.err
}

func makeSQLiteTemplate() (string, error) {
	digest, err := db.MigrationsDigest(db.SQLite)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(os.TempDir(), "partnerhub-dbtest")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "sqlite-"+digest[:24]+".db")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	work, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	tmp := filepath.Join(work, "t.db")
	d, err := db.Open(context.Background(), db.Options{Path: tmp})
	if err != nil {
		return "", err
	}
	if _, err := d.Migrate(context.Background()); err != nil {
		d.Close()
		return "", err
	}
	// Closing the last connection checkpoints the write-ahead log into
	// the file and removes it: the one file is the whole database.
	if err := d.Close(); err != nil {
		return "", err
	}
	if _, err := os.Stat(tmp + "-wal"); err == nil {
		return "", fmt.Errorf("dbtest: %s-wal is still there after closing the template", tmp)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	return path, nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}

// Postgres opens a migrated PostgreSQL database: a schema of the pool of
// migrated schemas (see pool.go), reset to the state migrating leaves and
// held by this test alone until it ends. A test that needs a schema of
// its own to migrate step by step uses NewSchema.
func Postgres(t testing.TB, base string) *db.DB {
	t.Helper()
	return postgresFrom(t, base, poolPrefix)
}

func postgresFrom(t testing.TB, base, prefix string) *db.DB {
	t.Helper()
	u, schema := poolSchema(t, base, prefix)
	return openPostgres(t, u, schema)
}

// openPostgres opens, closes at the end of the test and migrates the
// pool schema at u.
func openPostgres(t testing.TB, u, schema string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Options{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate schema %s: %v", schema, err)
	}
	return d
}

// PostgresFresh is a PostgreSQL database in a schema of its own, migrated
// from nothing rather than taken from the pool: for a test that depends on
// what only a new schema has (the planner's counts of tables never
// analysed: a pool schema keeps those an earlier test left). Closed and
// dropped when the test ends.
func PostgresFresh(t testing.TB, base string) *db.DB {
	t.Helper()
	u, schema := NewSchema(t, base)
	return openPostgres(t, u, schema)
}

// NewSchema creates an empty schema and returns a URL whose search_path
// selects it; the schema is dropped when the test ends.
func NewSchema(t testing.TB, base string) (string, string) {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create test schema on %s: %v", base, err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatal(err)
	}
	return u, schema
}

// withSearchPath is the URL base with its search_path set to schema.
func withSearchPath(base, schema string) (string, error) {
	pu, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	return pu.String(), nil
}
