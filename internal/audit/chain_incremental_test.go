package audit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestVerifyAfterChecksOnlyNewRows: verifying after a checkpoint reads the
// checkpoint's row and the rows after it only, and counts them with those
// before; a change to the checkpoint's row or to a row after it is found
// by it, a change to a row before it by the whole verification only.
func TestVerifyAfterChecksOnlyNewRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		apptest.New(t, d)
		ctx := context.Background()
		after := func(cp audit.Checkpoint) audit.Verification {
			t.Helper()
			v, err := audit.VerifyAfter(ctx, d, cp)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		old := record(t, d, 6)
		full := verify(t, d)
		if !full.OK() || full.After != 0 || full.Checked != len(old) {
			t.Fatalf("whole chain: %+v", full)
		}
		cp := full.Checkpoint()
		if cp.ID != old[len(old)-1] || cp.Entries != len(old) {
			t.Fatalf("checkpoint %+v after rows %v", cp, old)
		}
		if v := after(cp); !v.OK() || v.Checked != 1 || v.Entries != len(old) || v.Head != full.Head {
			t.Fatalf("nothing new: %+v", v)
		}
		added := record(t, d, 3)[len(old):] // record returns every id
		v := after(cp)
		if !v.OK() || v.Checked != 1+len(added) || v.Entries != len(old)+len(added) || v.Last != added[len(added)-1] {
			t.Fatalf("3 rows after the checkpoint: %s, checked %d, last %d, added %v", v, v.Checked, v.Last, added)
		}
		if w := verify(t, d); w.Head != v.Head || w.Entries != v.Entries {
			t.Fatalf("incremental %+v, whole %+v", v, w)
		}

		dropAppendOnly(t, d)
		forge := func(id int64) {
			t.Helper()
			if _, err := d.W().ExecContext(ctx, `UPDATE audit_log SET object_id = object_id || 'x' WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
		}
		// A row after the checkpoint, and the checkpoint's own row.
		forge(added[1])
		if v := after(cp); v.OK() || v.BadID != added[1] {
			t.Fatalf("a changed row after the checkpoint: %+v", v)
		}
		forge(cp.ID)
		if v := after(cp); v.OK() || v.BadID != cp.ID || !strings.Contains(v.Problem, "changed") {
			t.Fatalf("the checkpoint's row changed: %+v", v)
		}
		// A row before the checkpoint: not read after it; the whole
		// verification names it.
		cp2 := audit.Checkpoint{ID: added[0], Entries: len(old) + 1}
		if err := d.Q().QueryRowContext(ctx, `SELECT hash FROM audit_chain WHERE audit_id = $1`, added[0]).Scan(&cp2.Hash); err != nil {
			t.Fatal(err)
		}
		forge(old[2])
		if v := after(cp2); v.BadID != added[1] {
			t.Fatalf("after a checkpoint past the changed row %d: %+v", old[2], v)
		}
		if v := verify(t, d); v.BadID != old[2] {
			t.Fatalf("whole verification: %+v, want row %d named", v, old[2])
		}
	})
}

// TestAuditPageVerifiesIncrementally: /admin/audit verifies the whole
// chain on its first view, then only the entries added since; a row
// changed before that point is found by the whole verification the page
// links to (?verify=full), and every view after it verifies the whole
// chain again while it is broken.
func TestAuditPageVerifiesIncrementally(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@example.org", true)
		admin := env.As("admin@example.org")
		ids := record(t, d, 4)
		admin.Get("/admin/audit").Status(t, 200).Contains(t, "(the whole chain)", `href="/admin/audit?verify=full"`)
		record(t, d, 2)
		admin.Get("/admin/audit").Status(t, 200).Contains(t, "(the entries added since the last check").NotContains(t, "does not verify")
		dropAppendOnly(t, d)
		if _, err := d.W().ExecContext(context.Background(), `UPDATE audit_log SET object_id = 'forged' WHERE id = $1`, ids[1]); err != nil {
			t.Fatal(err)
		}
		admin.Get("/admin/audit").Status(t, 200).NotContains(t, "does not verify")
		admin.Get("/admin/audit?verify=full").Status(t, 200).Contains(t, "The audit log does not verify", fmt.Sprintf("Chain broken at entry %d", ids[1]))
		admin.Get("/admin/audit").Status(t, 200).Contains(t, fmt.Sprintf("Chain broken at entry %d", ids[1]))
	})
}

// TestVerifyAfterSeesRowsForgedBeforeCheckpoint: a row inserted with an
// id at or below the checkpoint (into a gap in the ids) is not among the
// rows after it, but verifying after the checkpoint reports the chain
// broken: unlinked, the row is named; given a link too, the count of rows
// up to the checkpoint no longer matches its entries. The whole
// verification names the row (its id is 0 when the first row's is 1: the
// whole verification reads from the lowest id, not from id 1).
func TestVerifyAfterSeesRowsForgedBeforeCheckpoint(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		apptest.New(t, d)
		ctx := context.Background()
		ids := record(t, d, 4)
		full := verify(t, d)
		cp := full.Checkpoint()
		if !full.OK() || cp.ID != ids[len(ids)-1] {
			t.Fatalf("whole chain: %+v", full)
		}
		forged := ids[0] - 1 // below every row: a gap the ids left
		if _, err := d.W().ExecContext(ctx, `INSERT INTO audit_log (id, at, actor, action, object_type, object_id) VALUES ($1, $2, 'forger', 'forged', 'test', 'x')`, forged, db.Now()); err != nil {
			t.Fatal(err)
		}
		v, err := audit.VerifyAfter(ctx, d, cp)
		if err != nil {
			t.Fatal(err)
		}
		if v.OK() || v.BadID != forged || !strings.Contains(v.Problem, "no link") {
			t.Fatalf("an unlinked row forged below the checkpoint: %+v", v)
		}
		if _, err := d.W().ExecContext(ctx, `INSERT INTO audit_chain (audit_id, prev_hash, hash) VALUES ($1, '', 'forged')`, forged); err != nil {
			t.Fatal(err)
		}
		if v, err = audit.VerifyAfter(ctx, d, cp); err != nil {
			t.Fatal(err)
		}
		if v.OK() {
			t.Fatalf("a linked row forged below the checkpoint: %+v", v)
		}
		if w := verify(t, d); w.OK() || w.BadID != forged {
			t.Fatalf("whole verification: %+v", w)
		}
	})
}
