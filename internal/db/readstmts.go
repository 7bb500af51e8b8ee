package db

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// ReadStatements is a Querier over the read connections that keeps each
// SQL text run through it prepared, so a page's queries are not parsed
// again on every request: on SQLite, parsing was two fifths of a
// signed-in page's SQL time (BenchmarkHandler in cmd/partnerhub). Use it
// for a hot page's few fixed statements (make one per feature with
// NewReadStatements and keep it). SQL built with a varying number of
// placeholders (InList, Placeholders) makes a new text for each length of
// its list: at most maxListLengths of them are kept per statement (texts
// that differ only in the length of their placeholder lists: listShape),
// the others run unprepared, so a list's lengths cannot fill the cache and
// keep the fixed statements that come later out of it.
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
	// lists counts the kept texts of each listShape that has a list.
	lists map[string]int
}

// maxListLengths is how many texts of one statement with a placeholder
// list (one per length of the list) are kept prepared.
const maxListLengths = 4

// NewReadStatements returns the statement-keeping read Querier of d (on
// PostgreSQL, d.Q() itself).
func NewReadStatements(d *DB) Querier {
	if d.Dialect != SQLite {
		return d.Q()
	}
	return &ReadStatements{db: d.read, stmts: map[string]*sql.Stmt{}, lists: map[string]int{}}
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
	shape, list := listShape(query)
	if list {
		c.mu.RLock()
		full = c.lists[shape] >= maxListLengths
		c.mu.RUnlock()
		if full {
			return nil, nil
		}
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
	if len(c.stmts) >= maxCachedStatements || (list && c.lists[shape] >= maxListLengths) {
		s.Close()
		return nil, nil
	}
	c.stmts[query] = s
	if list {
		c.lists[shape]++
	}
	return s, nil
}

// listShape is query with each list of two or more placeholders ("$3,
// $4, $5" or "?, ?") written as "$…" and each other placeholder ("$7",
// "?") as "$", and whether it had a list: the texts that InList and
// Placeholders build for lists of different lengths share it, though the
// numbers of the placeholders after a list follow its length. Only
// statements not kept yet pay for it.
func listShape(query string) (string, bool) {
	var b strings.Builder
	list := false
	for i := 0; i < len(query); {
		n := placeholderAt(query, i)
		if n == 0 {
			b.WriteByte(query[i])
			i++
			continue
		}
		end, count := i+n, 1
		for {
			j := end
			for j < len(query) && query[j] == ' ' {
				j++
			}
			if j >= len(query) || query[j] != ',' {
				break
			}
			j++
			for j < len(query) && query[j] == ' ' {
				j++
			}
			m := placeholderAt(query, j)
			if m == 0 {
				break
			}
			end, count = j+m, count+1
		}
		if count >= 2 {
			b.WriteString("$…")
			list = true
		} else {
			b.WriteString("$")
		}
		i = end
	}
	if !list {
		return query, false
	}
	return b.String(), true
}

// placeholderAt is the length of the placeholder ("?" or "$n") at query[i:], or 0.
func placeholderAt(query string, i int) int {
	if i >= len(query) {
		return 0
	}
	if query[i] == '?' {
		return 1
	}
	if query[i] != '$' {
		return 0
	}
	j := i + 1
	for j < len(query) && query[j] >= '0' && query[j] <= '9' {
		j++
	}
	if j == i+1 {
		return 0
	}
	return j - i
}

// Unkept is q without keeping statements: for a ReadStatements, its read
// pool; any other Querier itself. Use it for SQL whose text changes from
// one call to the next in more than its lists' lengths (values written
// into it, a varying number of clauses), which would fill the cache.
func Unkept(q Querier) Querier {
	if c, ok := q.(*ReadStatements); ok {
		return c.db
	}
	return q
}

// Kept is how many statements c keeps prepared.
func (c *ReadStatements) Kept() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.stmts)
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
