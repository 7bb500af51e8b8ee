package db

import (
	"context"
	"database/sql"
	"sync"
)

// ReadStatements is a Querier over the read connections that keeps each
// SQL text run through it prepared, so a page's queries are not parsed
// again on every request: on SQLite, parsing was two fifths of a
// signed-in page's SQL time (BenchmarkHandler in cmd/partnerhub). Use it
// for a hot page's few fixed statements (make one per feature with
// NewReadStatements and keep it); SQL built with a varying number of
// placeholders (InList) runs unprepared once the cache is full.
//
// A kept statement is reset when its rows are closed (as any query's),
// so it holds no read transaction between queries and every query sees
// the latest commit. On PostgreSQL it is the read pool itself: pgx keeps
// its own statement cache per connection, and behind a transaction
// pooler must prepare nothing.
type ReadStatements struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

// NewReadStatements returns the statement-keeping read Querier of d (on
// PostgreSQL, d.Q() itself).
func NewReadStatements(d *DB) Querier {
	if d.Dialect != SQLite {
		return d.Q()
	}
	return &ReadStatements{db: d.read, stmts: map[string]*sql.Stmt{}}
}

// stmt is the kept statement for query, prepared on first use; nil when
// the cache is full.
func (c *ReadStatements) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.RLock()
	s, ok := c.stmts[query]
	full := len(c.stmts) >= maxCachedStatements
	c.mu.RUnlock()
	if ok {
		return s, nil
	}
	if full {
		return nil, nil
	}
	// Prepared without the lock: preparing waits for a free read
	// connection, and queries whose statements are kept must not wait
	// behind it (their callers may hold the connections it waits for).
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if kept, ok := c.stmts[query]; ok { // another caller kept it first
		s.Close()
		return kept, nil
	}
	if len(c.stmts) >= maxCachedStatements {
		s.Close()
		return nil, nil
	}
	c.stmts[query] = s
	return s, nil
}

// ExecContext runs query unprepared (the read connections are query-only).
func (c *ReadStatements) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.db.ExecContext(ctx, query, args...)
}

// QueryContext is the read pool's, through the kept statements.
func (c *ReadStatements) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.db.QueryContext(ctx, query, args...)
	}
	return s.QueryContext(ctx, args...)
}

// QueryRowContext is the read pool's, through the kept statements.
func (c *ReadStatements) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := c.stmt(ctx, query)
	if err != nil || s == nil {
		// Unprepared: a statement that failed to prepare fails here
		// again, with its error in the row.
		return c.db.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}
