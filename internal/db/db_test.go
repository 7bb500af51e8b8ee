package db_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

func TestMigrateIsIdempotentAndSchemaChecked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.CheckSchema(ctx); err != nil {
			t.Fatalf("fresh migrated db: %v", err)
		}
		again, err := d.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate applied %v, err %v", again, err)
		}
		// A migration the binary does not know means a newer schema.
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_future', 'x')")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := d.CheckSchema(ctx); err == nil {
			t.Fatal("a schema with an unknown migration was accepted")
		}
	})
}

func TestUnmigratedDatabaseIsRefused(t *testing.T) {
	d, err := db.Open(context.Background(), db.Options{Path: filepath.Join(t.TempDir(), "x.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.CheckSchema(context.Background()); err == nil {
		t.Fatal("an empty database passed the schema check")
	}
}

func TestDriverErrorsMapToCodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ins := func(email string) error {
			return d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ($1, 'A', 'x', $2, $2)`, email, db.Now())
				return err
			})
		}
		if err := ins("a@example.org"); err != nil {
			t.Fatal(err)
		}
		if err := ins("a@example.org"); !apperr.Is(err, apperr.ECONFLICT) {
			t.Fatalf("duplicate email: got %v, want conflict", err)
		}
		err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO memberships (organisation_id, user_id, role, created_at) VALUES (999, 999, 'owner', $1)`, db.Now())
			return err
		})
		if !apperr.Is(err, apperr.EINVALID) {
			t.Fatalf("foreign key violation: got %v, want invalid", err)
		}
		var n int
		err = db.Err(d.Q().QueryRowContext(ctx, "SELECT id FROM users WHERE email = 'nobody'").Scan(&n), "user")
		if !apperr.Is(err, apperr.ENOTFOUND) || apperr.Message(err) != "user not found" {
			t.Fatalf("no rows: got %v", err)
		}
		// Times round-trip in UTC at microsecond precision.
		now := db.Now()
		var got = now
		if err := d.Q().QueryRowContext(ctx, "SELECT created_at FROM users WHERE email = 'a@example.org'").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got.IsZero() {
			t.Fatal("zero time")
		}
	})
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.W().ExecContext(ctx, `INSERT INTO audit_log (at, action) VALUES ($1, 'test')`, db.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W().ExecContext(ctx, `UPDATE audit_log SET action = 'changed'`); err == nil {
			t.Fatal("audit log row was updated")
		}
		if _, err := d.W().ExecContext(ctx, `DELETE FROM audit_log`); err == nil {
			t.Fatal("audit log row was deleted")
		}
	})
}

func TestBackupSQLite(t *testing.T) {
	d := dbtest.SQLite(t)
	out := filepath.Join(t.TempDir(), "copy.db")
	if err := d.Backup(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	c, err := db.Open(context.Background(), db.Options{Path: out})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.CheckSchema(context.Background()); err != nil {
		t.Fatalf("backup copy is not a complete database: %v", err)
	}
	if err := d.Backup(context.Background(), out); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
}

func TestColumn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, e := range []string{"b@example.org", "a@example.org"} {
			if _, err := d.W().ExecContext(ctx, `INSERT INTO users (email, name, password_hash, created_at, updated_at) VALUES ($1, 'N', 'x', $2, $2)`, e, db.Now()); err != nil {
				t.Fatal(err)
			}
		}
		emails, err := db.Column[string](ctx, d.Q(), `SELECT email FROM users ORDER BY email`)
		if err != nil || len(emails) != 2 || emails[0] != "a@example.org" || emails[1] != "b@example.org" {
			t.Fatalf("emails %v, err %v", emails, err)
		}
		ids, err := db.Column[int64](ctx, d.Q(), `SELECT id FROM users WHERE email = $1`, "nobody")
		if err != nil || len(ids) != 0 {
			t.Fatalf("ids %v, err %v", ids, err)
		}
		if _, err := db.Column[int64](ctx, d.Q(), `SELECT email FROM users`); err == nil {
			t.Fatal("scanning text into int64 did not fail")
		}
	})
}

// TestWriteBulk: on SQLite a bulk write runs without foreign-key checks
// (an orphan row goes in), and every write after it, bulk or not,
// succeeded or failed, has them again; on PostgreSQL it is an ordinary
// write. Statement journals and temporary tables are in memory.
func TestWriteBulk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		orphan := func(tx *db.Tx, org int) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO org_profiles (organisation_id, updated_at) VALUES ($1, $2)`, org, db.Now())
			return err
		}
		err := d.WriteBulk(ctx, func(tx *db.Tx) error { return orphan(tx, 990001) })
		if d.Dialect == db.SQLite && err != nil {
			t.Fatalf("bulk write with checks off: %v", err)
		}
		if d.Dialect == db.Postgres && apperr.Code(err) != apperr.EINVALID {
			t.Fatalf("PostgreSQL bulk write accepted an orphan row: %v", err)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error { return orphan(tx, 990002) }); err == nil {
			t.Fatal("foreign-key checks stayed off after a bulk write")
		}
		boom := apperr.Errorf(apperr.EINVALID, "boom")
		if err := d.WriteBulk(ctx, func(tx *db.Tx) error { return boom }); apperr.Code(err) != apperr.EINVALID {
			t.Fatalf("failed bulk write: %v", err)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error { return orphan(tx, 990003) }); err == nil {
			t.Fatal("foreign-key checks stayed off after a failed bulk write")
		}
		if d.Dialect == db.SQLite {
			for _, q := range []db.Querier{d.Q(), d.W()} {
				var ts int
				if err := q.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&ts); err != nil || ts != 2 {
					t.Errorf("temp_store = %d, %v; want 2 (memory)", ts, err)
				}
			}
		}
	})
}

// TestWritePanicReleasesWriter: a panic inside a write (bulk or not) rolls
// its transaction back, so the next write is not left waiting for the
// writer, and a bulk write's connection has its foreign-key checks again.
func TestWritePanicReleasesWriter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, write := range []func(context.Context, func(*db.Tx) error) error{d.Write, d.WriteBulk} {
			func() {
				defer func() {
					if recover() == nil {
						t.Fatal("the panic did not reach the caller")
					}
				}()
				write(ctx, func(tx *db.Tx) error {
					if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ('zz_panic', 'x')`); err != nil {
						return err
					}
					panic("boom")
				})
			}()
			tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := d.Write(tctx, func(tx *db.Tx) error {
				_, err := tx.ExecContext(tctx, `INSERT INTO org_profiles (organisation_id, updated_at) VALUES ($1, $2)`, 990011, db.Now())
				return err
			})
			cancel()
			if err == nil {
				t.Fatal("an orphan row was accepted after a panicking write: foreign-key checks are off")
			}
			if apperr.Code(err) == apperr.EUNAVAILABLE {
				t.Fatalf("the next write waited for the writer: %v", err)
			}
			var n int
			d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name = 'zz_panic'`).Scan(&n)
			if n != 0 {
				t.Fatal("the panicking write's row was committed")
			}
		}
	})
}

// TestPostgresSessionSettings: PostgreSQL connections turn
// synchronize_seqscans off (the directory's search window is the first
// matches in storage order) and plan prepared statements with their
// parameters (plan_cache_mode force_custom_plan: a generic plan scans the
// whole directory for a rare search), each unless the URL sets it; a
// malformed URL is an error that does not show the password.
func TestPostgresSessionSettings(t *testing.T) {
	u := dbtest.RequirePostgres(t)
	ctx := context.Background()
	for _, c := range []struct{ extra, seqscans, plans string }{
		{"", "off", "force_custom_plan"},
		{"synchronize_seqscans=on", "on", "force_custom_plan"},
		{"plan_cache_mode=auto", "off", "auto"},
	} {
		url := u
		if c.extra != "" {
			sep := "?"
			if strings.Contains(url, "?") {
				sep = "&"
			}
			url += sep + c.extra
		}
		d, err := db.Open(ctx, db.Options{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		var seqscans, plans string
		err = d.Q().QueryRowContext(ctx, `SELECT current_setting('synchronize_seqscans'), current_setting('plan_cache_mode')`).Scan(&seqscans, &plans)
		d.Close()
		if err != nil || seqscans != c.seqscans || plans != c.plans {
			t.Errorf("URL %q: synchronize_seqscans %q, plan_cache_mode %q (%v), want %q, %q", c.extra, seqscans, plans, err, c.seqscans, c.plans)
		}
	}
	_, err := db.Open(ctx, db.Options{URL: "postgres://u:s3cret-pw@127.0.0.1:bad-port/x"})
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("malformed URL: %v", err)
	}
}

// TestLockKeyMakesCountThenInsertAtomic: two transactions that count a
// key's rows and then insert one must not both see the same count (the
// sign-in throttle's race). Each one waits between its count and its insert,
// so without the lock both would count 0.
func TestLockKeyMakesCountThenInsertAtomic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		counted := make(chan int, 2)
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				errs <- d.Write(ctx, func(tx *db.Tx) error {
					if err := tx.LockKey(ctx, "k"); err != nil {
						return err
					}
					var n int
					if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM auth_failures WHERE key = 'k'`).Scan(&n); err != nil {
						return err
					}
					counted <- n
					time.Sleep(300 * time.Millisecond)
					_, err := tx.ExecContext(ctx, `INSERT INTO auth_failures (key, at) VALUES ('k', $1)`, db.Now())
					return err
				})
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if a, b := <-counted, <-counted; a+b != 1 {
			t.Fatalf("the two transactions counted %d and %d, want 0 and 1", a, b)
		}
	})
}

// TestWriteBulkRawCopy: on PostgreSQL a bulk write lends its connection
// (Tx.Raw), and a COPY through it is part of the transaction: seen inside
// it, gone when it rolls back. Elsewhere Raw says there is none.
func TestWriteBulkRawCopy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if err := tx.Raw(func(any) error { return nil }); err != db.ErrNoRaw {
				t.Errorf("Write's Raw: %v, want ErrNoRaw", err)
			}
			if tx.CanCopy() {
				t.Error("Write's transaction says it can COPY")
			}
			if err := tx.CopyFrom(ctx, "users", []string{"id"}, 0, nil); err != db.ErrNoRaw {
				t.Errorf("Write's CopyFrom: %v, want ErrNoRaw", err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if d.Dialect != db.Postgres {
			return
		}
		boom := apperr.Errorf(apperr.EINVALID, "boom")
		err := d.WriteBulk(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE copied_kept (n BIGINT)`); err != nil {
				return err
			}
			if err := tx.Raw(func(c any) error {
				_, err := c.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{"copied_kept"}, []string{"n"}, pgx.CopyFromRows([][]any{{int64(1)}, {int64(2)}}))
				return err
			}); err != nil {
				return err
			}
			// CopyFrom does the same with the rows from a function.
			if !tx.CanCopy() {
				t.Error("a bulk write on PostgreSQL says it cannot COPY")
			}
			if err := tx.CopyFrom(ctx, "copied_kept", []string{"n"}, 3, func(i int) ([]any, error) { return []any{int64(10 + i)}, nil }); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM copied_kept WHERE n >= 10`).Scan(&n); err != nil || n != 3 {
				t.Errorf("rows from CopyFrom, seen in the transaction: %d %v", n, err)
			}
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM copied_kept WHERE n < 10`).Scan(&n); err != nil || n != 2 {
				t.Errorf("rows copied, seen in the transaction: %d %v", n, err)
			}
			return boom
		})
		if apperr.Code(err) != apperr.EINVALID {
			t.Fatalf("bulk write: %v", err)
		}
		var n int
		if err := d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'copied_kept'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("rolled-back COPY left its table: %d %v", n, err)
		}
	})
}

// TestMigrationLockIsPerSchema: on PostgreSQL the lock a process takes to
// migrate a schema does not stop another schema's migration (every test
// has its own schema; with one lock for the whole server their migrations
// all waited for each other, across packages and across checkouts).
func TestMigrationLockIsPerSchema(t *testing.T) {
	base := dbtest.RequirePostgres(t)
	ctx := context.Background()
	holder := dbtest.Postgres(t, base)
	locked, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- holder.Write(ctx, func(tx *db.Tx) error {
			if err := db.LockMigrations(ctx, tx); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	defer func() {
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}()
	// Another schema migrates while the first one's lock is held. The
	// limit only ends a migration stuck behind the lock; it is no speed
	// check (a migration takes seconds on a loaded machine).
	u, _ := dbtest.NewSchema(t, base)
	other, err := db.Open(ctx, db.Options{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	mctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if _, err := other.Migrate(mctx); err != nil {
		t.Fatalf("migrating another schema while one schema's migration lock is held: %v", err)
	}
	if err := other.CheckSchema(ctx); err != nil {
		t.Error(err)
	}
}

// TestLockKeyIsPerSchema: a key locked in one schema does not hold up the
// same key in another schema of the same database (advisory locks are
// database-wide; an import holding the audit chain's lock in one schema
// stopped every other schema's audited writes).
func TestLockKeyIsPerSchema(t *testing.T) {
	base := dbtest.RequirePostgres(t)
	ctx := context.Background()
	holder, other := dbtest.Postgres(t, base), dbtest.Postgres(t, base)
	locked, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- holder.Write(ctx, func(tx *db.Tx) error {
			if err := tx.LockKey(ctx, "audit_chain"); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	defer func() {
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}()
	// The limit only ends a lock stuck behind the other schema's; it is no
	// speed check.
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := other.Write(lctx, func(tx *db.Tx) error { return tx.LockKey(lctx, "audit_chain") }); err != nil {
		t.Fatalf("locking a key in another schema while the first schema holds it: %v", err)
	}
	// In the same schema the key still excludes: a second holder waits.
	sctx, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	if err := holder.Write(sctx, func(tx *db.Tx) error { return tx.LockKey(sctx, "audit_chain") }); err == nil {
		t.Fatal("the same schema's key was locked twice at once")
	}
}

// TestReadConnectionsCacheSize: every SQLite read connection has the
// larger page cache (SQLiteReadCacheKiB), held at once so that each is a
// connection of its own; the writer keeps SQLite's default.
func TestReadConnectionsCacheSize(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	var txs []*sql.Tx
	defer func() {
		for _, tx := range txs {
			tx.Rollback()
		}
	}()
	pool, ok := d.Q().(*sql.DB)
	if !ok {
		t.Fatalf("d.Q() is a %T", d.Q())
	}
	for i := 0; i < 3; i++ {
		tx, err := pool.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		txs = append(txs, tx)
		var n int
		if err := tx.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != -db.SQLiteReadCacheKiB {
			t.Errorf("read connection %d: cache_size = %d, want -%d", i, n, db.SQLiteReadCacheKiB)
		}
	}
	var n int
	if err := d.W().QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&n); err != nil || n != -2000 {
		t.Errorf("writer: cache_size = %d (%v), want -2000", n, err)
	}
}
