package dbtest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"net/url"
	"sync/atomic"
	"testing"

	"partnerhub/internal/db"
)

// CountingPool opens a second read pool on d's database whose
// connections count every statement they run (a query or exec sent to a
// connection, prepared or not), below any Querier a caller wraps around
// the pool: a test compares the count with what a wrapper saw. The pool
// is closed when the test ends.
func CountingPool(t testing.TB, d *db.DB) (db.Querier, *atomic.Int64) {
	t.Helper()
	ctx := context.Background()
	pool, ok := d.Q().(*sql.DB)
	if !ok {
		t.Fatalf("CountingPool: the read Querier is a %T, not a *sql.DB", d.Q())
	}
	var dsn string
	if d.Dialect == db.SQLite {
		q := url.Values{}
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Set("_time_format", "sqlite")
		dsn = "file:" + d.SQLitePath() + "?" + q.Encode()
	} else {
		var schema string
		if err := pool.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		u, err := withSearchPath(PostgresURL(t), schema)
		if err != nil {
			t.Fatal(err)
		}
		dsn = u
	}
	n := &atomic.Int64{}
	c := sql.OpenDB(countConnector{drv: pool.Driver(), dsn: dsn, n: n})
	t.Cleanup(func() { c.Close() })
	if err := c.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
	n.Store(0)
	return c, n
}

type countConnector struct {
	drv driver.Driver
	dsn string
	n   *atomic.Int64
}

func (c countConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return countConn{conn, c.n}, nil
}

func (c countConnector) Driver() driver.Driver { return c.drv }

// countConn is a driver connection that counts the statements it runs.
type countConn struct {
	c driver.Conn
	n *atomic.Int64
}

func (c countConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c countConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var s driver.Stmt
	var err error
	if p, ok := c.c.(driver.ConnPrepareContext); ok {
		s, err = p.PrepareContext(ctx, query)
	} else {
		s, err = c.c.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return countStmt{s, c.n}, nil
}

func (c countConn) Close() error { return c.c.Close() }

func (c countConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c countConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.c.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, o)
	}
	//lint:ignore SA1019 the wrapped driver has no BeginTx
	return c.c.Begin()
}

func (c countConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	qc, ok := c.c.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip // database/sql prepares it (counted there)
	}
	r, err := qc.QueryContext(ctx, query, args)
	if err != driver.ErrSkip {
		c.n.Add(1)
	}
	return r, err
}

func (c countConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	ec, ok := c.c.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	r, err := ec.ExecContext(ctx, query, args)
	if err != driver.ErrSkip {
		c.n.Add(1)
	}
	return r, err
}

func (c countConn) CheckNamedValue(nv *driver.NamedValue) error {
	if nc, ok := c.c.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c countConn) ResetSession(ctx context.Context) error {
	if r, ok := c.c.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c countConn) IsValid() bool {
	if v, ok := c.c.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// countStmt is a prepared statement that counts its runs.
type countStmt struct {
	s driver.Stmt
	n *atomic.Int64
}

func (s countStmt) Close() error  { return s.s.Close() }
func (s countStmt) NumInput() int { return s.s.NumInput() }

func (s countStmt) Exec(args []driver.Value) (driver.Result, error) {
	s.n.Add(1)
	//lint:ignore SA1019 database/sql calls it only for drivers without ExecContext
	return s.s.Exec(args)
}

func (s countStmt) Query(args []driver.Value) (driver.Rows, error) {
	s.n.Add(1)
	//lint:ignore SA1019 as Exec
	return s.s.Query(args)
}

func (s countStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	sc, ok := s.s.(driver.StmtExecContext)
	if !ok {
		return s.Exec(values(args))
	}
	s.n.Add(1)
	return sc.ExecContext(ctx, args)
}

func (s countStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	sc, ok := s.s.(driver.StmtQueryContext)
	if !ok {
		return s.Query(values(args))
	}
	s.n.Add(1)
	return sc.QueryContext(ctx, args)
}

func values(args []driver.NamedValue) []driver.Value {
	v := make([]driver.Value, len(args))
	for i, a := range args {
		v[i] = a.Value
	}
	return v
}
