package audit_test

import (
	"context"
	"testing"

	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// An audited write reads only the log's newest rows, not the whole log,
// where the planner has no statistics of audit_log (a schema never
// analysed, as on a server with autovacuum off): linking the new row
// read the rows after the chain's head with "id > $1 ORDER BY id", which
// the planner, taking a third of the table's rows for it, ran as a
// sequential scan and a sort of the whole log on every audited write. No
// sequential scan of audit_log or audit_chain is counted in the writing
// transaction (pg_stat_xact_user_tables).
func TestLinkingReadsNoWholeLog(t *testing.T) {
	ctx := context.Background()
	d := dbtest.PostgresFresh(t, dbtest.RequirePostgres(t))
	// On a server with autovacuum on, its analyse of the new rows could
	// come before the check below: this fresh schema's log is left out.
	if _, err := d.W().ExecContext(ctx, `ALTER TABLE audit_log SET (autovacuum_enabled = false)`); err != nil {
		t.Fatal(err)
	}
	// 20,000 rows written as a bulk writer does, then linked.
	err := d.Write(ctx, func(tx *db.Tx) error {
		if err := audit.LockChain(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, object_type, object_id)
			SELECT $1, 'system', 'test.bulk', 'test', CAST(g AS TEXT) FROM generate_series(1, 20000) g`, db.Now()); err != nil {
			return err
		}
		return audit.LinkPending(ctx, tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	var analysed float64
	if err := d.Q().QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = to_regclass('audit_log')`).Scan(&analysed); err != nil {
		t.Fatal(err)
	}
	if analysed > 0 {
		t.Fatalf("audit_log has statistics (reltuples %v): the test needs a log never analysed", analysed)
	}
	for i := range 3 {
		err := d.Write(ctx, func(tx *db.Tx) error {
			if err := audit.Record(ctx, tx, 0, "test.one", "test", i, ""); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, `SELECT relname, seq_scan FROM pg_stat_xact_user_tables WHERE relid IN (to_regclass('audit_log'), to_regclass('audit_chain'))`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var table string
				var scans int64
				if err := rows.Scan(&table, &scans); err != nil {
					return err
				}
				if scans != 0 {
					t.Errorf("audited write %d: %d sequential scans of %s", i, scans, table)
				}
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if v, err := audit.Verify(ctx, d); err != nil || !v.OK() || v.Entries != 20003 {
		t.Fatalf("chain: %+v %v", v, err)
	}
}
