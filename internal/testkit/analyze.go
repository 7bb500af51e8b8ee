package testkit

import (
	"context"
	"strings"

	"partnerhub/internal/db"
)

// Analyze brings PostgreSQL's planner statistics of the named tables (of
// every table in the current schema when none is named) up to date, run on
// q: in a transaction it counts the transaction's own rows. Nothing on
// SQLite, whose planner reads no such counts here.
//
// Generate runs it after each step, as the server's autovacuum would about
// a minute after the step's commit (and never where it is off, as on the
// test server), and inside the outcomes step's one long transaction as
// its tables grow, where no autovacuum reaches. Without it the planner
// plans the later steps' statements from tables it has never analysed,
// without a column's statistics: an equality on a foreign key is then half
// a percent of the table and a range a third of it, and a statement run
// once per plan of the outcomes step (checkMeasuredWithin's count of a
// plan's measurements) read the whole of outcome_measurements each time.
func Analyze(ctx context.Context, d db.Dialect, q db.Querier, tables ...string) error {
	if d != db.Postgres {
		return nil
	}
	if len(tables) == 0 {
		var err error
		tables, err = db.Column[string](ctx, q, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
		if err != nil || len(tables) == 0 {
			return err
		}
	}
	quoted := make([]string, len(tables))
	for i, t := range tables {
		quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	_, err := q.ExecContext(ctx, `ANALYZE `+strings.Join(quoted, ", "))
	return err
}
