package testkit

import (
	"context"
	"strings"

	"partnerhub/internal/db"
)

// analyzeGrown brings PostgreSQL's planner statistics up to date, run on q
// (in a transaction ANALYZE counts the transaction's own rows), for the
// tables of the current schema that have grown since they were last
// analysed: at least analyzePages pages now, and a tenth more than the
// pages ANALYZE last counted (pg_class.relpages; 0 for a table never
// analysed). Nothing on SQLite, whose planner reads no such counts here.
// A small town's tables stay under analyzePages, so the tests that
// generate one pay for no ANALYZE (all 153 tables of the schema of a town
// of 20,000 organisations took 6 s, load 11).
//
// Generate runs it after each step, as the server's autovacuum would about
// a minute after the step's commit (and never where it is off, as on the
// test server), and the outcomes step inside its one long transaction as
// its tables grow, where no autovacuum reaches. Without it the planner
// plans the later steps' statements from tables it has never analysed,
// without a column's statistics: an equality on a foreign key is then half
// a percent of the table and a range a third of it, and a statement run
// once per plan of the outcomes step (checkMeasuredWithin's count of a
// plan's measurements) read the whole of outcome_measurements each time.
func analyzeGrown(ctx context.Context, d db.Dialect, q db.Querier) error {
	if d != db.Postgres {
		return nil
	}
	tables, err := db.Column[string](ctx, q, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind = 'r'
		AND pg_relation_size(c.oid) >= $1 * current_setting('block_size')::bigint
		AND pg_relation_size(c.oid) > 1.1 * c.relpages * current_setting('block_size')::bigint
		ORDER BY c.relname`, analyzePages)
	if err != nil || len(tables) == 0 {
		return err
	}
	quoted := make([]string, len(tables))
	for i, t := range tables {
		quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	_, err = q.ExecContext(ctx, `ANALYZE `+strings.Join(quoted, ", "))
	return err
}

// analyzePages is the size from which analyzeGrown analyses a table (100
// pages: 800 kB; a few thousand rows of most tables).
const analyzePages = 100
