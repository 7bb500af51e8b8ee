package audit_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// Migration 0021 rewrites the rows written before the log was
// pseudonymous: names and details move to audit_details, people become
// pseudonyms, and the append-only triggers are back afterwards. The test
// writes rows the old way and runs the migration's file again.
func TestMigrationMakesOldRowsPseudonymous(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		admin := env.User("old.admin@example.org", true)
		user := env.User("old.user@example.org", false)
		if _, err := d.W().ExecContext(ctx, `INSERT INTO audit_log (at, user_id, actor, action, object_type, object_id, detail)
			VALUES ($1, $2, 'old.admin@example.org', 'user.disable', 'user', $3, 'disabled old.user@example.org')`, db.Now(), admin.ID, strconv.FormatInt(user.ID, 10)); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W().ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, object_type, object_id) VALUES ($1, 'system', 'jobs.run', 'job', 'mail')`, db.Now()); err != nil {
			t.Fatal(err)
		}
		body, err := os.ReadFile("../db/migrations/0021_audit_pseudonyms." + string(d.Dialect) + ".sql")
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, string(body)); return err }); err != nil {
			t.Fatal(err)
		}
		var legacy int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE user_id IS NOT NULL OR detail <> '' OR actor NOT IN ('', 'system') OR object_id = $1`, strconv.FormatInt(user.ID, 10)).Scan(&legacy)
		if legacy != 0 {
			t.Errorf("%d rows still name people", legacy)
		}
		got, _, err := audit.List(ctx, d.Q(), audit.Filter{Action: "user.disable", UserID: admin.ID})
		if err != nil || len(got) != 1 || got[0].Actor != "old.admin@example.org" || got[0].Subject != "old.user@example.org" || got[0].Detail != "disabled old.user@example.org" {
			t.Errorf("the old row as read: %+v %v", got, err)
		}
		got, _, _ = audit.List(ctx, d.Q(), audit.Filter{Action: "jobs.run"})
		if len(got) != 1 || got[0].Actor != "system" {
			t.Errorf("the system's row: %+v", got)
		}
		if _, err := d.W().ExecContext(ctx, `UPDATE audit_log SET action = 'x'`); err == nil {
			t.Error("the triggers were not put back: the log can be changed")
		}
	})
}
