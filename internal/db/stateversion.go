package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
)

// StateVersion names the committed state of the whole database: two reads
// that return the same StateVersion saw no commit in between, by this
// process or any other. It is what a cache of rendered pages is keyed on
// (web's page cache, the identity cache of the accounts feature): a page
// filled at one version is never served at another.
//
// It has two parts. Local counts the write transactions of this process's
// store (Write, WriteBulk), bumped once each has committed. Shared is the
// database's own, which moves on every commit, this process's (including
// single statements through W) and other processes':
//
//   - SQLite: PRAGMA data_version on a connection kept for it alone. Its
//     value changes whenever another connection, in this process (the
//     writer) or any other (the CLI, a backup restore), has committed to
//     the file since the connection last asked.
//   - PostgreSQL: pg_current_snapshot(). A transaction that writes gets a
//     transaction id; once it commits, every later snapshot either has a
//     higher xmax or no longer lists it among those in progress, so the
//     snapshot's text differs from any taken before the commit. It is
//     cluster-wide (a commit in any database of the server moves it), so
//     it over-counts, which costs a cache miss, never a stale page; and it
//     costs a round trip per call.
//
// Read it before reading what it versions: whatever is read afterwards
// is at least as new as the version.
type StateVersion struct {
	Local  uint64
	Shared string
}

type versionSource struct {
	local atomic.Uint64
	mu    sync.Mutex // the SQLite connection answers one caller at a time
	pool  *sql.DB
	conn  *sql.Conn
	stmt  driver.Stmt // prepared on conn, used inside conn.Raw
	dest  [1]driver.Value
	gen   uint64
}

func (src *versionSource) close() {
	src.mu.Lock()
	defer src.mu.Unlock()
	if src.conn != nil {
		src.conn.Raw(func(any) error { return src.stmt.Close() })
		src.conn.Close()
		src.conn, src.stmt = nil, nil
	}
	if src.pool != nil {
		src.pool.Close()
		src.pool = nil
	}
}

// committed records a commit of this process's store.
func (d *DB) committed() { d.versions.local.Add(1) }

// StateVersion reads the current data version (see StateVersion). Within a
// request that carries WithVersionMemo it is read once and remembered, so
// every cache the request consults agrees on it.
func (d *DB) StateVersion(ctx context.Context) (StateVersion, error) {
	if m, ok := ctx.Value(versionMemoKey{}).(*versionMemo); ok && m.d == d {
		m.mu.Lock()
		defer m.mu.Unlock()
		if !m.done {
			m.v, m.err = d.readStateVersion(ctx)
			m.done = m.err == nil
		}
		return m.v, m.err
	}
	return d.readStateVersion(ctx)
}

func (d *DB) readStateVersion(ctx context.Context) (StateVersion, error) {
	// The local count first: a commit between the two reads moves the
	// shared part too, so the pair can only be too new, never too old.
	v := StateVersion{Local: d.versions.local.Load()}
	if d.Dialect == Postgres {
		err := d.read.QueryRowContext(ctx, `SELECT pg_current_snapshot()::text`).Scan(&v.Shared)
		return v, Err(err, "")
	}
	return d.versions.sqlite(ctx, d.sqlitePath, v)
}

// dataVersion runs PRAGMA data_version on the source's connection. It
// goes to the driver's statement directly, past database/sql's rows (its
// locks, allocations and, for a request's context, a goroutine per query),
// and without the caller's context: the pragma reads the WAL index and
// never waits for a lock a writer holds.
func (src *versionSource) dataVersion() (n int64, err error) {
	err = src.conn.Raw(func(any) error {
		rows, err := src.stmt.(driver.StmtQueryContext).QueryContext(context.Background(), nil)
		if err != nil {
			return err
		}
		dest := src.dest[:]
		err = rows.Next(dest)
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		v, ok := dest[0].(int64)
		if !ok {
			return fmt.Errorf("PRAGMA data_version gave %T", dest[0])
		}
		n = v
		return nil
	})
	return n, err
}

// sqlite reads PRAGMA data_version on the source's own connection: a pool
// of one, never shared with queries, held as a *sql.Conn so that
// database/sql cannot swap it for a new connection (whose count would
// start again and could repeat an old value). A connection that fails is
// dropped and the next one gets a new generation, part of the version.
//
// The WAL index header in the -shm file's shared memory would be cheaper
// to read (about 0.5 µs against 9 µs), but reading it needs a file
// descriptor of this process on the -shm file, and closing that
// descriptor drops every POSIX lock the process holds on the file,
// SQLite's own included (SQLite's unix VFS defers its closes for that
// reason): a CLI process could then reset the -shm under a reader of the
// server. So the version is read through SQLite.
func (src *versionSource) sqlite(ctx context.Context, path string, v StateVersion) (StateVersion, error) {
	src.mu.Lock()
	defer src.mu.Unlock()
	if src.conn == nil {
		if src.pool == nil {
			p, err := sql.Open("sqlite", sqliteDSN(path, false))
			if err != nil {
				return v, err
			}
			p.SetMaxOpenConns(1)
			src.pool = p
		}
		c, err := src.pool.Conn(ctx)
		if err != nil {
			return v, Err(err, "")
		}
		var s driver.Stmt
		err = c.Raw(func(dc any) (err error) {
			s, err = dc.(driver.ConnPrepareContext).PrepareContext(ctx, `PRAGMA data_version`)
			return err
		})
		if err != nil {
			c.Close()
			return v, Err(err, "")
		}
		src.conn, src.stmt = c, s
		src.gen++
	}
	n, err := src.dataVersion()
	if err != nil {
		_ = src.conn.Raw(func(any) error { src.stmt.Close(); return driver.ErrBadConn }) // drops it
		src.conn.Close()
		src.conn, src.stmt = nil, nil
		return v, Err(err, "")
	}
	v.Shared = "p" + strconv.FormatUint(src.gen, 10) + "." + strconv.FormatInt(n, 10)
	return v, nil
}

type versionMemoKey struct{}

type versionMemo struct {
	d    *DB
	mu   sync.Mutex
	done bool
	v    StateVersion
	err  error
}

// WithVersionMemo returns ctx in which StateVersion of d is read at most
// once (web's middleware gives every request one).
func (d *DB) WithVersionMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, versionMemoKey{}, &versionMemo{d: d})
}
