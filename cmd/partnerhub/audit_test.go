package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"partnerhub/internal/db"
)

// `audit verify` exits 0 with the count when the chain holds, and 1
// naming the first entry changed behind the application's back.
func TestAuditVerify(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "", "migrate", "--data-dir", dir)
	mustRun(t, "correct horse battery staple\n", "user", "create", "--admin", "--email", "root@example.org", "--data-dir", dir)
	mustRun(t, "correct horse battery staple\n", "user", "create", "--email", "other@example.org", "--data-dir", dir)
	if p := mustRun(t, "", "audit", "verify", "--data-dir", dir); !strings.Contains(p.Out.String(), "Chain verified: 0 entries") {
		t.Fatalf("verify an empty log: %s", p.Out)
	}
	mustRun(t, "", "user", "erase", "--email", "other@example.org", "--yes", "--data-dir", dir) // audited
	p := mustRun(t, "", "audit", "verify", "--data-dir", dir)
	if !strings.Contains(p.Out.String(), "Chain verified: 1 entry") || !strings.Contains(p.Out.String(), "head ") {
		t.Fatalf("verify: %s", p.Out)
	}

	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{Path: filepath.Join(dir, "partnerhub.db")})
	if err != nil {
		t.Fatal(err)
	}
	var first int64
	_, err = d.W().ExecContext(ctx, `DROP TRIGGER audit_log_no_update`)
	if err == nil {
		err = d.W().QueryRowContext(ctx, `SELECT MIN(id) FROM audit_log`).Scan(&first)
	}
	if err == nil {
		_, err = d.W().ExecContext(ctx, `UPDATE audit_log SET action = 'user.nothing' WHERE id = $1`, first)
	}
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, p := run(t, "", "audit", "verify", "--data-dir", dir)
	if want := fmt.Sprintf("Chain broken at entry %d", first); code != 1 || !strings.Contains(p.Err.String(), want) {
		t.Errorf("tampered: exit %d, %q; want 1 and %q", code, p.Err, want)
	}
	if code, _ := run(t, "", "audit", "check", "--data-dir", dir); code != 2 {
		t.Errorf("unknown audit subcommand: exit %d", code)
	}
}
