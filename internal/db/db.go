// Package db opens Partnerhub's store on SQLite (embedded default) or
// PostgreSQL, runs migrations, wraps transactions and turns driver errors
// into apperr codes. Dialect differences live here and in the small
// dialect files of the features that need them.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"partnerhub/internal/apperr"
)

// Dialect names the SQL dialect of the open database.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Querier is what *sql.DB and *sql.Tx have in common.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is the store. Reads go to a pool of connections; writes go through
// Write, which on SQLite uses one writer connection and BEGIN IMMEDIATE.
type DB struct {
	Dialect    Dialect
	read       *sql.DB
	write      *sql.DB
	sqlitePath string
	opts       Options // what was opened (OpenAgain)
	// versions reads the state version (stateversion.go).
	versions versionSource
}

// Options says what to open.
type Options struct {
	URL     string // postgres://…; empty for SQLite
	DataDir string // SQLite lives in DataDir/partnerhub.db
	Path    string // explicit SQLite file path (overrides DataDir)
	// Pooler is "transaction" when URL leads to a connection pooler in
	// transaction (or statement) pooling mode, such as PgBouncer's
	// pool_mode = transaction; "" or "none" for a direct connection.
	Pooler string
}

// Open opens (and for SQLite creates) the database. It does not migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.URL != "" {
		d, err := openPostgres(ctx, o.URL, o.Pooler == "transaction")
		if d != nil {
			d.opts = o
		}
		return d, err
	}
	path := o.Path
	if path == "" {
		if o.DataDir == "" {
			return nil, errors.New("no data directory given for the SQLite database")
		}
		if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		path = filepath.Join(o.DataDir, "partnerhub.db")
		// Only a data directory comes from people (--data-dir); explicit
		// paths are the tests' and the restore's own files.
		if err := checkEscapedPath(path); err != nil {
			return nil, err
		}
	}
	d, err := openSQLite(ctx, path)
	if d != nil {
		d.opts = Options{Path: path}
	}
	return d, err
}

// OpenAgain opens a second store on the same database, with pools of its
// own: what another process (the CLI, a second server) sees and writes.
func (d *DB) OpenAgain(ctx context.Context) (*DB, error) {
	return Open(ctx, d.opts)
}

func sqliteDSN(path string, writer bool) string {
	q := url.Values{}
	// temp_store(2): temporary tables, sorts and statement journals in
	// memory. A multi-row INSERT keeps a statement journal of the pages it
	// changes; on disk that was a write system call per page (a tenth of a
	// 200,000-row import's time).
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "busy_timeout(10000)", "secure_delete(1)", "temp_store(2)"} {
		q.Add("_pragma", p)
	}
	q.Set("_time_format", "sqlite")
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", sqliteReadCacheKiB))
	}
	return "file:" + uriPath(path) + "?" + q.Encode()
}

// uriPath escapes a file path for a file: URI, which SQLite decodes: '?'
// would start the query and '#' a fragment (the temporary directory of a
// repeated subtest, /tmp/TestX#01.../test.db, opened /tmp/TestX: every
// such test shared one file outside its directory, and saw the others'
// rows), '%' an escape.
func uriPath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(p)
}

// pathBeforeEscaping is the file an earlier Partnerhub (before uriPath)
// opened for path: SQLite cut the name at '?' or '#' and decoded "%XX".
func pathBeforeEscaping(path string) string {
	p := path
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	return p
}

// checkEscapedPath refuses to open path as a new, empty database when an
// earlier Partnerhub kept this data directory's database at another file
// (pathBeforeEscaping): opening it anyway would show an empty site while
// the data sits beside it.
func checkEscapedPath(path string) error {
	old := pathBeforeEscaping(path)
	if old == path {
		return nil
	}
	if _, err := os.Stat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if st, err := os.Stat(old); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	return fmt.Errorf("no database at %s, but %s is one: earlier Partnerhub versions cut a data directory's path at '#' or '?' and decoded '%%' escapes, so this data directory's database was kept at %s; stop every Partnerhub process and move it (with its -wal and -shm files) to %s, then start again", path, old, old, path)
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	registerSQLiteFunctions()
	w, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// The writer must create the file and switch it to WAL before readers open it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open SQLite database %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	return &DB{Dialect: SQLite, read: r, write: w, sqlitePath: path}, nil
}

func openPostgres(ctx context.Context, u string, pooler bool) (*DB, error) {
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL URL: %w", err)
	}
	if pooler {
		// pgx prepares every statement under a name (stmtcache_…) and
		// reuses it on the same connection. Behind a transaction-pooling
		// PgBouncer the next transaction may run on another server
		// connection, where that name is missing or another client's
		// ("prepared statement … already exists"). QueryExecModeExec
		// sends each query with the unnamed statement, parsed, bound and
		// run in one round trip, which a pooler cannot split; unnamed
		// statements are planned for their parameters every time, so
		// plan_cache_mode is moot. A mode the URL names
		// (default_query_exec_mode=…) wins.
		if !strings.Contains(u, "default_query_exec_mode") {
			cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
		}
		return connectPostgres(ctx, cfg, nil)
	}
	// Session settings, each unless the URL sets it itself:
	//
	//   - synchronize_seqscans off: a sequential scan starts at the first
	//     block, not where another scan of the table has got to; the
	//     directory search's window is the first matches in storage order
	//     (internal/directory/search_pg.go).
	//   - plan_cache_mode force_custom_plan: pgx prepares and caches every
	//     statement, and after five runs PostgreSQL may switch a prepared
	//     statement to a generic plan made without its parameters. For the
	//     directory's full-text queries (doc @@ $1::tsquery) that plan is a
	//     sequential scan whatever the query, right for a common word and
	//     ten times too slow for a rare one (the partner finder's tiers at
	//     200,000 organisations: 200 ms instead of 15). A custom plan costs a
	//     fraction of a millisecond of planning per query.
	//
	// Set after connecting rather than as startup parameters, which
	// connection poolers such as PgBouncer refuse.
	var sets []string
	for _, kv := range [][2]string{{"synchronize_seqscans", "off"}, {"plan_cache_mode", "force_custom_plan"}} {
		if _, set := cfg.RuntimeParams[kv[0]]; !set {
			sets = append(sets, "SET "+kv[0]+" = "+kv[1])
		}
	}
	var opts []stdlib.OptionOpenDB
	if len(sets) > 0 {
		opts = append(opts, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
			_, err := c.Exec(ctx, strings.Join(sets, "; "))
			return err
		}))
	}
	return connectPostgres(ctx, cfg, opts)
}

// connectPostgres opens the pool and checks that the server answers.
// Behind a pooler there are no session settings: a SET would stay on
// whichever server connection ran it (the README says to set them on the
// database instead).
func connectPostgres(ctx context.Context, cfg *pgx.ConnConfig, opts []stdlib.OptionOpenDB) (*DB, error) {
	p := stdlib.OpenDB(*cfg, opts...)
	p.SetMaxOpenConns(20)
	p.SetMaxIdleConns(10)
	p.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := p.PingContext(pctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return &DB{Dialect: Postgres, read: p, write: p}, nil
}

// Close closes both pools.
func (d *DB) Close() error {
	d.versions.close()
	err := d.read.Close()
	if d.write != d.read {
		if e := d.write.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Q is the read pool. On SQLite its connections are query-only.
func (d *DB) Q() Querier { return d.read }

// W is the write pool, for single statements outside a transaction.
func (d *DB) W() Querier { return d.write }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.read.PingContext(ctx); err != nil {
		return err
	}
	var one int
	return d.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Stats are pool statistics for /metrics.
func (d *DB) Stats() (read, write sql.DBStats) { return d.read.Stats(), d.write.Stats() }

// SQLitePath is the database file, or "" on PostgreSQL.
func (d *DB) SQLitePath() string { return d.sqlitePath }

// IsPostgres reports whether the store is PostgreSQL.
func (d *DB) IsPostgres() bool { return d.Dialect == Postgres }

// Tx is a write transaction.
type Tx struct {
	*sql.Tx
	Dialect Dialect
	after   []func()
	// bumps are data versions to move just before the commit (BumpVersion).
	bumps []string
	conn  *sql.Conn // the connection of a WriteBulk transaction (Raw)
	// stmts are the statements kept for reuse (CacheStatements).
	stmts map[string]*sql.Stmt
}

// maxCachedStatements bounds CacheStatements' cache: SQL built with a
// varying number of placeholders (InList) runs unprepared beyond it.
const maxCachedStatements = 256

// CacheStatements makes the transaction keep every statement it runs
// prepared until it ends, so a statement run again is not parsed again:
// for a transaction that runs the same few statements thousands of times
// (an import), where parsing the SQL was a fifth of SQLite's time. On
// PostgreSQL it does nothing (pgx keeps its own statement cache per
// connection, and behind a transaction pooler prepares nothing).
func (tx *Tx) CacheStatements() {
	if tx.Dialect == SQLite && tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
}

// stmt is the kept statement for query, prepared on first use; nil when
// statements are not kept or the cache is full.
func (tx *Tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if tx.stmts == nil {
		return nil, nil
	}
	if s, ok := tx.stmts[query]; ok {
		return s, nil
	}
	if len(tx.stmts) >= maxCachedStatements {
		return nil, nil
	}
	s, err := tx.Tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	tx.stmts[query] = s // closed by database/sql when the transaction ends
	return s, nil
}

// ExecContext is sql.Tx's, through the kept statements (CacheStatements).
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := tx.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return tx.Tx.ExecContext(ctx, query, args...)
	}
	return s.ExecContext(ctx, args...)
}

// QueryContext is sql.Tx's, through the kept statements (CacheStatements).
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := tx.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return tx.Tx.QueryContext(ctx, query, args...)
	}
	return s.QueryContext(ctx, args...)
}

// QueryRowContext is sql.Tx's, through the kept statements
// (CacheStatements).
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := tx.stmt(ctx, query)
	if err != nil || s == nil {
		// Unprepared: a statement that failed to prepare fails here
		// again, with its error in the row.
		return tx.Tx.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// ErrNoRaw: the transaction has no connection of its own to lend (Raw).
var ErrNoRaw = errors.New("db: no raw connection in this transaction")

// Raw runs fn with the transaction's driver connection (on PostgreSQL a
// *stdlib.Conn, whose Conn() is the *pgx.Conn), for what database/sql
// cannot do, such as COPY; whatever fn runs is part of the transaction.
// Only WriteBulk transactions have one; others return ErrNoRaw.
func (tx *Tx) Raw(fn func(driverConn any) error) error {
	if tx.conn == nil {
		return ErrNoRaw
	}
	return tx.conn.Raw(fn)
}

// CanRaw reports whether Raw can lend the connection.
func (tx *Tx) CanRaw() bool { return tx.conn != nil }

// CanCopy reports whether CopyFrom can write in this transaction
// (PostgreSQL, a WriteBulk transaction).
func (tx *Tx) CanCopy() bool { return tx.Dialect == Postgres && tx.CanRaw() }

// CopyFrom writes n rows into table's cols with COPY (pgx CopyFrom), row
// giving the i-th row's values: one binary stream, no statement to parse
// or plan, and the same ROW EXCLUSIVE lock as INSERT. Only where CanCopy.
func (tx *Tx) CopyFrom(ctx context.Context, table string, cols []string, n int, row func(i int) ([]any, error)) error {
	if !tx.CanCopy() {
		return ErrNoRaw
	}
	return tx.Raw(func(c any) error {
		sc, ok := c.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("COPY: connection is %T", c)
		}
		_, err := sc.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, row))
		return err
	})
}

// LockKey serialises the transactions that lock the same key until they
// end, for a count-then-insert that must not race (throttles). A SQLite
// write transaction already excludes every other writer (BEGIN IMMEDIATE);
// on PostgreSQL it is a transaction-scoped advisory lock, which works
// through transaction-pooling PgBouncer too. Lock several keys in one order.
// The key is per schema (advisory locks are database-wide): Partnerhubs
// in other schemas of the same database, and the tests' schemas, do not
// wait for each other's audit chain or throttles.
func (tx *Tx) LockKey(ctx context.Context, key string) error {
	if tx.Dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '/' || $1, 0))`, key)
	return err
}

// AfterCommit registers fn to run once the transaction has committed.
func (tx *Tx) AfterCommit(fn func()) { tx.after = append(tx.after, fn) }

// Write runs fn in one write transaction and commits when it returns nil.
// Errors are mapped with Err.
func (d *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	return d.runWrite(ctx, d.write.BeginTx, nil, fn)
}

// WriteBulk is Write for a bulk load that guarantees its own references:
// every row it inserts points at a row it created, or read, in the same
// transaction. On SQLite the writer connection's foreign-key checks are off
// for that one transaction (a lookup in the parent table for every child
// row, and a statement journal for every multi-row INSERT: about a tenth of
// a large import's time); PRAGMA foreign_keys does nothing inside a
// transaction, so it is switched around it, and read back afterwards. A
// connection whose checks cannot be shown to be on again is discarded, so
// no later write runs without them. On PostgreSQL it is Write on a connection of its own (Tx.Raw).
func (d *DB) WriteBulk(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if d.Dialect != SQLite {
		// A connection of its own, so that Tx.Raw can COPY in the
		// transaction.
		conn, err := d.write.Conn(ctx)
		if err != nil {
			return Err(err, "")
		}
		defer conn.Close()
		return d.runWrite(ctx, conn.BeginTx, conn, fn)
	}
	conn, err := d.write.Conn(ctx)
	if err != nil {
		return Err(err, "")
	}
	defer func() {
		var on int
		rctx := context.WithoutCancel(ctx)
		_, rerr := conn.ExecContext(rctx, `PRAGMA foreign_keys = ON`)
		if rerr == nil {
			rerr = conn.QueryRowContext(rctx, `PRAGMA foreign_keys`).Scan(&on)
		}
		if rerr != nil || on != 1 {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // closes it
			if err == nil {
				err = fmt.Errorf("turn foreign-key checks back on: %v (value %d)", rerr, on)
			}
		}
		conn.Close()
	}()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return Err(err, "")
	}
	return d.runWrite(ctx, conn.BeginTx, nil, fn)
}

// sqliteReadCacheKiB is each SQLite read connection's page cache, half
// again SQLite's default. At 200,000 organisations (a 2.5 GB file) the
// directory's search and the partner finder read pages that a 2 MB cache
// does not keep, each a pread through the kernel (a fifth of their CPU).
// Each of the 8 read connections keeps a cache of its own, so the size is
// what keeps the server's resident memory under 200 MB with every read
// connection busy (BenchmarkServerMemory's -8clients case in
// internal/directory: 162 MB with 2 MB, 179 MB with 3 MB, 197-202 MB with
// 4 MB, 264 MB with 8 MB, 387 MB with 16 MB). A memory map (PRAGMA
// mmap_size) is not used for the same reason: each connection maps the
// file on its own and every page it touches counts again (1.1 GB
// resident with 256 MB maps).
const sqliteReadCacheKiB = 3000

func (d *DB) runWrite(ctx context.Context, begin func(context.Context, *sql.TxOptions) (*sql.Tx, error), conn *sql.Conn, fn func(tx *Tx) error) error {
	stx, err := begin(ctx, nil)
	if err != nil {
		return Err(err, "")
	}
	// A panic in fn must not leave the transaction open: it would hold
	// the single SQLite writer (and a PostgreSQL connection) for good.
	// After a commit this does nothing.
	defer stx.Rollback()
	tx := &Tx{Tx: stx, Dialect: d.Dialect, conn: conn}
	if err := fn(tx); err != nil {
		_ = stx.Rollback()
		return Err(err, "")
	}
	if err := tx.bumpVersions(ctx); err != nil {
		_ = stx.Rollback()
		return Err(err, "")
	}
	if err := stx.Commit(); err != nil {
		d.committed() // it may have committed all the same
		return Err(err, "")
	}
	d.committed()
	for _, f := range tx.after {
		f()
	}
	return nil
}

// Read runs fn in a read-only transaction (a consistent snapshot).
func (d *DB) Read(ctx context.Context, fn func(tx *Tx) error) error {
	stx, err := d.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Err(err, "")
	}
	defer stx.Rollback()
	return Err(fn(&Tx{Tx: stx, Dialect: d.Dialect}), "")
}

// Err maps driver errors to apperr codes. what names the object for
// not-found messages ("organisation"); errors already *apperr.Error pass.
func Err(err error, what string) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		if what == "" {
			what = "record"
		}
		return apperr.NotFound(what)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return apperr.Wrap(apperr.EUNAVAILABLE, "The request took too long or was cancelled.", err)
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == "23505":
			return apperr.Wrap(apperr.ECONFLICT, "That already exists.", err)
		case pg.Code == "23503", pg.Code == "23514", pg.Code == "23502", pg.Code == "22001", pg.Code == "22P02", pg.Code == "22007", pg.Code == "22008":
			return apperr.Wrap(apperr.EINVALID, "That value is not allowed.", err)
		case pg.Code == "40001", pg.Code == "40P01", pg.Code == "55P03":
			return apperr.Wrap(apperr.ECONFLICT, "Someone else changed this at the same time. Please try again.", err)
		case strings.HasPrefix(pg.Code, "08"), strings.HasPrefix(pg.Code, "57"), strings.HasPrefix(pg.Code, "53"):
			return apperr.Wrap(apperr.EUNAVAILABLE, "The database is not available right now.", err)
		}
		return apperr.Wrap(apperr.EINTERNAL, "", err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return apperr.Wrap(apperr.ECONFLICT, "That already exists.", err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return apperr.Wrap(apperr.EINVALID, "That value is not allowed.", err)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return apperr.Wrap(apperr.EUNAVAILABLE, "The database is busy. Please try again.", err)
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL:
			return apperr.Wrap(apperr.EUNAVAILABLE, "The database is not available right now.", err)
		}
		return apperr.Wrap(apperr.EINTERNAL, "", err)
	}
	if isConnErr(err) {
		return apperr.Wrap(apperr.EUNAVAILABLE, "The database is not available right now.", err)
	}
	return apperr.Wrap(apperr.EINTERNAL, "", err)
}

func isConnErr(err error) bool {
	if errors.Is(err, sql.ErrConnDone) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"connection refused", "failed to connect", "conn closed", "broken pipe", "connection reset", "sql: database is closed"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Now is the store's clock resolution: UTC, microseconds (PostgreSQL's).
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Backup writes a consistent copy of a SQLite database to out while the
// server may be running (VACUUM INTO). PostgreSQL is backed up with pg_dump.
func (d *DB) Backup(ctx context.Context, out string) error {
	if d.Dialect != SQLite {
		return errors.New("PostgreSQL databases are backed up with pg_dump, for example: pg_dump --format=custom --file=partnerhub.dump \"$PARTNERHUB_DATABASE_URL\"; restore with pg_restore --clean --dbname=URL partnerhub.dump")
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s already exists; choose a new file name", out)
	}
	if dir := filepath.Dir(out); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
	}
	_, err := d.write.ExecContext(ctx, "VACUUM INTO $1", out)
	return err
}

// Column runs a query that returns one column and collects it.
func Column[T any](ctx context.Context, q Querier, query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
