package directory

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"partnerhub/internal/db"
)

// Multi-row INSERTs through prepared statements, and chunked IN lists:
// the import's (import_bulk.go) and the demo generator's bulk writes.

// bulkChunk is how many rows one multi-row INSERT carries (the widest
// table, org_profiles, has 14 columns: 14 x 200 = 2,800 parameters, well
// under SQLite's 32,766 and PostgreSQL's 65,535).
const bulkChunk = 200

// bulkInserter writes rows of ncol values with multi-row INSERTs, reusing
// one prepared statement for every full chunk.
type bulkInserter struct {
	ctx        context.Context
	tx         *db.Tx
	head, tail string // "INSERT INTO t (a, b) VALUES", " ON CONFLICT ..."
	ncol       int
	chunk      int // rows per statement (bulkChunk unless set)
	stmt       *sql.Stmt
	buf        []any
	onRows     func(*sql.Rows) error // for INSERT ... RETURNING
	// pgCasts, when set, follow each column's placeholder on PostgreSQL
	// ("::bigint"): the types of an INSERT ... SELECT ... FROM (VALUES ...)
	// are not inferred from the target table.
	pgCasts []string
	// copyTable and copyCols, when set (useCopy), write the rows with
	// COPY (pgx CopyFrom) instead of INSERTs.
	copyTable string
	copyCols  []string
	// spent is the time flush has taken (the import logs it per table).
	spent time.Duration
}

// copyChunk is how many rows one COPY carries.
const copyChunk = 20000

// useCopy makes the inserter write with COPY into table's cols when the
// transaction can (PostgreSQL, a WriteBulk transaction); it reports
// whether it will. COPY sends the rows in one binary stream without
// parsing or planning a statement: several times the rows a second of
// multi-row INSERTs.
func (b *bulkInserter) useCopy(table string, cols ...string) bool {
	if !b.tx.CanCopy() || len(cols) != b.ncol || b.onRows != nil {
		return false
	}
	b.copyTable, b.copyCols, b.chunk = table, cols, copyChunk
	return true
}

// copyFlush writes the queued rows with COPY.
func (b *bulkInserter) copyFlush() error {
	err := b.tx.CopyFrom(b.ctx, b.copyTable, b.copyCols, len(b.buf)/b.ncol, func(i int) ([]any, error) {
		return b.buf[i*b.ncol : (i+1)*b.ncol], nil
	})
	b.buf = b.buf[:0]
	return err
}

func newBulk(ctx context.Context, tx *db.Tx, head, tail string, ncol int) *bulkInserter {
	return &bulkInserter{ctx: ctx, tx: tx, head: head, tail: tail, ncol: ncol, chunk: bulkChunk}
}

func (b *bulkInserter) sql(rows int) string {
	var sb strings.Builder
	sb.WriteString(b.head)
	n := 1
	for r := 0; r < rows; r++ {
		if r > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(" (")
		for c := 0; c < b.ncol; c++ {
			if c > 0 {
				sb.WriteString(", ")
			}
			// "?" on SQLite: the driver looks up every "$n" parameter's
			// name in a list, which is quadratic in a wide statement.
			if b.tx.Dialect == db.Postgres {
				fmt.Fprintf(&sb, "$%d", n)
				if b.pgCasts != nil {
					sb.WriteString(b.pgCasts[c])
				}
			} else {
				sb.WriteString("?")
			}
			n++
		}
		sb.WriteString(")")
	}
	sb.WriteString(b.tail)
	return sb.String()
}

// add queues one row; a full chunk is written at once.
func (b *bulkInserter) add(vals ...any) error {
	b.buf = append(b.buf, vals...)
	if len(b.buf) >= b.chunk*b.ncol {
		return b.flush()
	}
	return nil
}

func (b *bulkInserter) flush() error {
	if len(b.buf) == 0 {
		return nil
	}
	defer func(t0 time.Time) { b.spent += time.Since(t0) }(time.Now())
	if b.copyTable != "" {
		return b.copyFlush()
	}
	rows := len(b.buf) / b.ncol
	var stmt *sql.Stmt
	if rows == b.chunk {
		if b.stmt == nil {
			s, err := b.tx.PrepareContext(b.ctx, b.sql(b.chunk))
			if err != nil {
				return err
			}
			b.stmt = s
		}
		stmt = b.stmt
	}
	var err error
	if b.onRows != nil {
		var rs *sql.Rows
		if stmt != nil {
			rs, err = stmt.QueryContext(b.ctx, b.buf...)
		} else {
			rs, err = b.tx.QueryContext(b.ctx, b.sql(rows), b.buf...)
		}
		if err == nil {
			err = b.onRows(rs)
			rs.Close()
		}
	} else if stmt != nil {
		_, err = stmt.ExecContext(b.ctx, b.buf...)
	} else {
		_, err = b.tx.ExecContext(b.ctx, b.sql(rows), b.buf...)
	}
	b.buf = b.buf[:0]
	return err
}

func (b *bulkInserter) close() {
	if b.stmt != nil {
		b.stmt.Close()
	}
}

// BatchInsert writes rows with multi-row INSERTs through one prepared
// statement per full chunk (the demo generator's large town uses it as
// the import does).
type BatchInsert struct{ b *bulkInserter }

// NewBatchInsert starts a batch for head ("INSERT INTO t (a, b) VALUES")
// with ncol values a row; tail (" ON CONFLICT DO NOTHING", " RETURNING
// ...") ends each statement, and onRows reads what RETURNING gives.
func NewBatchInsert(ctx context.Context, tx *db.Tx, head, tail string, ncol int, onRows func(*sql.Rows) error) *BatchInsert {
	b := newBulk(ctx, tx, head, tail, ncol)
	b.onRows = onRows
	return &BatchInsert{b}
}

// Add queues a row (written when the chunk is full).
func (x *BatchInsert) Add(vals ...any) error { return x.b.add(vals...) }

// Flush writes the queued rows.
func (x *BatchInsert) Flush() error { return x.b.flush() }

// Close releases the prepared statement (after Flush).
func (x *BatchInsert) Close() { x.b.close() }
