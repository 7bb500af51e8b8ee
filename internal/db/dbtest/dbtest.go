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
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"partnerhub/internal/db"
)

// PostgresURL is the server tests use, or "".
func PostgresURL(t testing.TB) string {
	u := os.Getenv("PARTNERHUB_TEST_POSTGRES_URL")
	if u == "" && os.Getenv("CI") == "true" {
		t.Fatal("CI=true but PARTNERHUB_TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite would be skipped")
	}
	return u
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

// SQLite opens a migrated SQLite database in a temporary directory.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Options{Path: filepath.Join(t.TempDir(), "test.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// Postgres opens a migrated PostgreSQL database in a new schema.
func Postgres(t testing.TB, base string) *db.DB {
	t.Helper()
	u, schema := NewSchema(t, base)
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
	pu, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	return pu.String(), schema
}
