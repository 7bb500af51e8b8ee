package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"partnerhub/internal/db"
)

// Seeded opens a migrated database holding what seed wrote into an empty
// one, on SQLite (base "") or on PostgreSQL (base the server's URL). seed
// runs once per test binary, key and database (key names what seed
// writes: two calls with one key must mean the same data), and every test
// gets a copy of its own, which it may change: generating the demo town
// was half of internal/app's CPU, four times per database, where a copy
// takes milliseconds.
//
// The seeded data lives as long as the test binary: the demo town's
// dates follow the clock (db.Now), so a town kept between runs would age.
// On SQLite it is a file's bytes in memory, written to each test's
// temporary directory. On PostgreSQL it is a pool schema (see pool.go)
// that the test binary holds until it exits (its lock goes with the
// binary's connections, and the next holder resets it); each test takes
// a pool schema as Postgres does and has the seeded rows and sequence
// positions copied into it, with triggers off as in the pool's reset.
func Seeded(t testing.TB, base, key string, seed func(context.Context, *db.DB) error) *db.DB {
	t.Helper()
	s := seededFor(base, key)
	s.once.Do(func() { s.build(base, seed) })
	if s.err != nil {
		t.Fatalf("dbtest: seed %q: %v", key, s.err)
	}
	if base == "" {
		return openSQLite(t, func(path string) error { return os.WriteFile(path, s.file, 0o600) })
	}
	u, schema := poolSchema(t, base, poolPrefix)
	if err := copySeeded(base, s.script, schema); err != nil {
		t.Fatalf("dbtest: copy the data seeded for %q into %s: %v", key, schema, err)
	}
	return openPostgres(t, u, schema)
}

// copySeeded runs a copy script (see copyScript) into schema.
func copySeeded(base, script, schema string) error {
	ctx := context.Background()
	conn, err := adminConn(ctx, base)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, strings.ReplaceAll(script, seededTarget, schema)); err != nil {
		conn.ExecContext(ctx, "ROLLBACK") // the script's transaction, aborted
		return err
	}
	return nil
}

// EachSeeded is Each with Seeded's databases. Through PgBouncer
// (PARTNERHUB_TEST_VIA_PGBOUNCER=1) seed runs for each test.
func EachSeeded(t *testing.T, key string, seed func(context.Context, *db.DB) error, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, Seeded(t, "", key, seed)) })
	if u := PostgresURL(t); u != "" {
		t.Run("postgres", func(t *testing.T) {
			if os.Getenv("PARTNERHUB_TEST_VIA_PGBOUNCER") == "1" {
				d := PgBouncer(t)
				if err := seed(context.Background(), d); err != nil {
					t.Fatal(err)
				}
				fn(t, d)
				return
			}
			fn(t, Seeded(t, u, key, seed))
		})
	}
}

// seededTarget stands for the schema a copy script writes into (a pool
// schema's name needs no quoting, nor does this).
const seededTarget = "dbtest_copy_target"

type seededData struct {
	once   sync.Once
	file   []byte // SQLite: the seeded database
	script string // PostgreSQL: copies the seeded schema into seededTarget
	err    error
}

var seededAll struct {
	mu sync.Mutex
	m  map[[2]string]*seededData
}

// seededFor is the seeded data of key on base, built or not.
func seededFor(base, key string) *seededData {
	seededAll.mu.Lock()
	defer seededAll.mu.Unlock()
	if seededAll.m == nil {
		seededAll.m = map[[2]string]*seededData{}
	}
	// The day is part of the key: the demo town's dates follow the clock,
	// so a run that passes midnight seeds again rather than hand out a
	// town dated yesterday to tests that compare it with today.
	k := [2]string{base, key + "@" + db.Now().UTC().Format("2006-01-02")}
	if seededAll.m[k] == nil {
		seededAll.m[k] = &seededData{}
	}
	return seededAll.m[k]
}

func (s *seededData) build(base string, seed func(context.Context, *db.DB) error) {
	ctx := context.Background()
	if base == "" {
		s.file, s.err = seedSQLite(ctx, seed)
		return
	}
	// The schema is never released: its lock ends with the test binary.
	h, err := takeSchema(ctx, base, poolPrefix, func(string, ...any) {})
	if err == nil {
		err = h.err
	}
	if err != nil {
		s.err = err
		return
	}
	d, err := db.Open(ctx, db.Options{URL: h.url})
	if err != nil {
		s.err = err
		return
	}
	if _, err = d.Migrate(ctx); err == nil {
		err = seed(ctx, d)
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.err = err
		return
	}
	s.script, s.err = copyScript(ctx, h.conn, h.schema)
}

// seedSQLite seeds a copy of the migrated template and returns the file.
func seedSQLite(ctx context.Context, seed func(context.Context, *db.DB) error) ([]byte, error) {
	tmpl, err := sqliteTemplate()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "partnerhub-seed-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "seed.db")
	if err := copyFile(tmpl, path); err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, db.Options{Path: path})
	if err != nil {
		return nil, err
	}
	if _, err = d.Migrate(ctx); err == nil {
		err = seed(ctx, d)
	}
	// Closing checkpoints the write-ahead log into the one file.
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		return nil, fmt.Errorf("%s-wal is still there after closing the seeded database", path)
	}
	return os.ReadFile(path)
}

// copyScript is the transaction that makes the schema seededTarget (a pool
// schema in the migrated state, so with the same catalog) hold from's rows
// and sequence positions: the pool's reset script (fillScript), read from
// a live schema.
func copyScript(ctx context.Context, conn *sql.Conn, from string) (string, error) {
	return fillScript(ctx, conn, from, seededTarget, func(string, string) (string, error) { return quoteIdent(from), nil })
}
