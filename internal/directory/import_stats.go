package directory

import (
	"context"
	"strings"

	"partnerhub/internal/db"
)

// The planner's statistics of the tables an import writes (PostgreSQL).
//
// PostgreSQL plans from pg_class.reltuples and pg_statistic, which only
// ANALYZE (or autovacuum's, a minute or more after the commit, and never
// where autovacuum is off) brings up to date. A table last analysed while
// it was empty (reltuples 0: rows deleted, as the test pool's schemas are
// reset, or a directory emptied) is then believed empty however many rows
// it has: the planner scales 0 rows a page by the pages it finds. (A table
// never analysed, reltuples -1, is estimated from its pages instead.)
// Loading a re-import's existing profiles 500 ids a statement
// (loadProfiles), it then read the whole of org_terms' term index for each
// 500 (a full index scan with a filter looks cheaper than 500 lookups in
// an empty table): 140 s for an unchanged re-import of 200,000 rows.
//
// So the import brings the statistics up to date itself, inside its
// transaction: ANALYZE takes a SHARE UPDATE EXCLUSIVE lock, which does not
// stop the site reading or writing the tables (it waits only for VACUUM,
// another ANALYZE and schema changes), and it counts the rows this
// transaction inserted as the table's. Its pg_class counts are written in
// place (they stay if the import rolls back); pg_statistic's rows go with
// the transaction. A role that owns neither the tables nor the database
// gets a warning from ANALYZE and the tables are skipped, not an error.

// importTables are the tables an import writes.
var importTables = []string{"organisations", "org_profiles", "org_identifiers", "org_areas", "org_terms", "org_search", "audit_log", "audit_chain"}

// profileTables are those loadProfiles reads.
var profileTables = []string{"organisations", "org_profiles", "org_identifiers", "org_areas", "org_terms"}

// analyzeStale (PostgreSQL; nothing elsewhere) runs ANALYZE on tables
// when the planner believes organisations holds fewer than atLeast rows, a
// count the caller knows it to hold (or to have gained). The other tables
// grow with organisations (a profile, identifiers, areas, terms, a search
// document and an audit row each), so its count tells for them too. It
// reports whether it ran.
func analyzeStale(ctx context.Context, tx *db.Tx, atLeast int, tables []string) (bool, error) {
	if tx.Dialect != db.Postgres || atLeast <= 0 {
		return false, nil
	}
	var known float64
	if err := tx.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = to_regclass('organisations')`).Scan(&known); err != nil {
		return false, err
	}
	if known >= float64(atLeast) {
		return false, nil
	}
	// The names are the code's own.
	_, err := tx.ExecContext(ctx, `ANALYZE `+strings.Join(tables, ", "))
	return err == nil, err
}
