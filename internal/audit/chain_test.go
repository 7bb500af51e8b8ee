package audit_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// record writes n audit rows, half through a transaction of the caller's
// and half through the writer, and returns their ids.
func record(t *testing.T, d *db.DB, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		var err error
		if i%2 == 0 {
			err = d.Write(ctx, func(tx *db.Tx) error { return audit.Record(ctx, tx, 0, "test.tx", "test", i, fmt.Sprint("detail ", i)) })
		} else {
			err = audit.Record(ctx, d.W(), 0, "test.writer", "test", i, "")
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	ids, err := db.Column[int64](ctx, d.Q(), `SELECT id FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func verify(t *testing.T, d *db.DB) audit.Verification {
	t.Helper()
	v, err := audit.Verify(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// dropAppendOnly lifts the log's triggers, as someone with the database
// in hand could.
func dropAppendOnly(t *testing.T, d *db.DB) {
	t.Helper()
	stmt := `DROP TRIGGER audit_log_no_update`
	if d.Dialect == db.Postgres {
		stmt = `DROP TRIGGER audit_log_no_change ON audit_log`
	}
	if _, err := d.W().ExecContext(context.Background(), stmt); err != nil {
		t.Fatal(err)
	}
}

// Every row written by audit.Record is linked: the chain verifies and
// counts them all, and its head changes with each new row.
func TestChainVerifies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		apptest.New(t, d)
		before := verify(t, d)
		if !before.OK() {
			t.Fatalf("fresh log: %s", before)
		}
		ids := record(t, d, 6)
		v := verify(t, d)
		if !v.OK() || v.Entries != len(ids) || v.Head == "" || v.Head == before.Head {
			t.Fatalf("after %d rows: %+v", len(ids), v)
		}
		if got := v.String(); got != fmt.Sprintf("Chain verified: %d entries", len(ids)) {
			t.Errorf("verdict %q", got)
		}
	})
}

// A row changed behind the application's back (triggers dropped) is named
// as the first broken entry; the rows before it still count as verified.
func TestTamperedRowIsNamed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		apptest.New(t, d)
		ids := record(t, d, 5)
		dropAppendOnly(t, d)
		bad := ids[2]
		if _, err := d.W().ExecContext(context.Background(), `UPDATE audit_log SET object_id = 'forged' WHERE id = $1`, bad); err != nil {
			t.Fatal(err)
		}
		v := verify(t, d)
		if v.OK() || v.BadID != bad || v.Entries != 2 || !strings.Contains(v.Problem, "changed") {
			t.Fatalf("tampered row %d: %+v", bad, v)
		}
		if !strings.Contains(v.String(), fmt.Sprintf("Chain broken at entry %d", bad)) {
			t.Errorf("verdict %q", v.String())
		}
	})
}

// A row slipped into the log without a link (a raw INSERT) is named,
// until the next audited write links the rows after the chain's head
// (what a bulk writer's rows rely on; see LinkPending).
func TestRowWithoutLinkIsNamed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		apptest.New(t, d)
		record(t, d, 2)
		var id int64
		if err := d.W().QueryRowContext(context.Background(), `INSERT INTO audit_log (at, action) VALUES ($1, 'forged') RETURNING id`, db.Now()).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if v := verify(t, d); v.BadID != id || !strings.Contains(v.Problem, "no link") {
			t.Fatalf("unlinked row %d: %+v", id, v)
		}
		record(t, d, 1)
		if v := verify(t, d); !v.OK() {
			t.Fatalf("after the next audited write: %+v", v)
		}
	})
}

// Migration 0023 links the rows written before the chain existed, with
// the message and hash Verify computes (run again here on rows written
// the old way and rows written by Record).
func TestChainMigrationBackfills(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		apptest.New(t, d)
		ctx := context.Background()
		record(t, d, 3)
		for _, s := range []string{"plain", "Ünïcode — ✓ and | and : 12:34"} {
			if _, err := d.W().ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, object_type, object_id) VALUES ($1, 'system', 'jobs.run', 'job', $2)`, db.Now(), s); err != nil {
				t.Fatal(err)
			}
		}
		if v := verify(t, d); v.OK() {
			t.Fatal("rows without links verified")
		}
		drop := `DROP TABLE audit_chain`
		if d.Dialect == db.Postgres {
			drop += `; DROP FUNCTION audit_chain_append_only()`
		}
		body, err := os.ReadFile("../db/migrations/0023_audit_chain." + string(d.Dialect) + ".sql")
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, drop); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, string(body))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if v := verify(t, d); !v.OK() || v.Entries != 5 {
			t.Fatalf("after the backfill: %s", v)
		}
		record(t, d, 2) // new rows link onto the backfilled head
		if v := verify(t, d); !v.OK() || v.Entries != 7 {
			t.Fatalf("after new rows: %s", v)
		}
		if _, err := d.W().ExecContext(ctx, `UPDATE audit_chain SET hash = 'x'`); err == nil {
			t.Error("the chain can be changed")
		}
		if _, err := d.W().ExecContext(ctx, `DELETE FROM audit_chain`); err == nil {
			t.Error("the chain can be deleted")
		}
	})
}

// Concurrent writers on PostgreSQL take turns: no two rows link to the
// same head, and every row is in one line.
func TestConcurrentWritersKeepTheChainLinear(t *testing.T) {
	d := dbtest.Postgres(t, dbtest.RequirePostgres(t))
	apptest.New(t, d)
	ctx := context.Background()
	const writers, each = 12, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				errs <- d.Write(ctx, func(tx *db.Tx) error {
					if err := audit.Record(ctx, tx, 0, "test.concurrent", "test", i, ""); err != nil {
						return err
					}
					// Work after the row, so transactions overlap.
					_, err := tx.ExecContext(ctx, `SELECT pg_sleep(0.002)`)
					return err
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var forks int
	if err := d.Q().QueryRowContext(ctx, `SELECT COUNT(*) - COUNT(DISTINCT prev_hash) FROM audit_chain`).Scan(&forks); err != nil {
		t.Fatal(err)
	}
	v := verify(t, d)
	if forks != 0 || !v.OK() || v.Entries != writers*each {
		t.Fatalf("%d forks; %s", forks, v)
	}
}
