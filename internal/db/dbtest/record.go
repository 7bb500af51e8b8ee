package dbtest

import (
	"context"
	"database/sql"
	"sync"

	"partnerhub/internal/db"
)

// Statement is one SQL statement a call ran, with its arguments.
type Statement struct {
	Query string
	Args  []any
	Exec  bool // run by ExecContext (no rows)
}

// Recorder is a Querier that runs every statement on Q and keeps it, in
// order, until Take: the SQL a call ran, for a benchmark to run again
// bare (Replay) beside the call, as the call's SQL alone. Keep one
// Recorder for many calls: caches keyed by the Querier (the partner
// finder's term names) then stay warm as they do for a server's pool.
type Recorder struct {
	Q     db.Querier
	mu    sync.Mutex
	stmts []Statement
}

func (r *Recorder) keep(query string, args []any, exec bool) {
	r.mu.Lock()
	// The arguments are copied: a caller may reuse its slice.
	r.stmts = append(r.stmts, Statement{Query: query, Args: append([]any(nil), args...), Exec: exec})
	r.mu.Unlock()
}

// Take returns the statements kept since the last Take and forgets them.
func (r *Recorder) Take() []Statement {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stmts
	r.stmts = nil
	return s
}

// ExecContext keeps the statement and runs it on Q.
func (r *Recorder) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	r.keep(query, args, true)
	return r.Q.ExecContext(ctx, query, args...)
}

// QueryContext keeps the statement and runs it on Q.
func (r *Recorder) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	r.keep(query, args, false)
	return r.Q.QueryContext(ctx, query, args...)
}

// QueryRowContext keeps the statement and runs it on Q.
func (r *Recorder) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	r.keep(query, args, false)
	return r.Q.QueryRowContext(ctx, query, args...)
}

// Replay runs stmts on q bare: each query's rows are read to the end and
// not scanned, so that what it costs is the SQL (and the driver's reading
// of the rows), none of the caller's own work.
func Replay(ctx context.Context, q db.Querier, stmts []Statement) error {
	for _, s := range stmts {
		if s.Exec {
			if _, err := q.ExecContext(ctx, s.Query, s.Args...); err != nil {
				return err
			}
			continue
		}
		if err := db.EachRow(ctx, q, s.Query, s.Args, drained); err != nil {
			return err
		}
	}
	return nil
}

// drained reads nothing of a row: database/sql has read its columns.
func drained(*sql.Rows) error { return nil }
