package audit

import (
	"os"
	"strings"
	"testing"

	"partnerhub/internal/db"
)

// Migration 0023 spells out chainMessage for the rows before it: the two
// must be the same expression, or old rows would not verify.
func TestChainMigrationSpellsOutTheMessage(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		b, err := os.ReadFile("../db/migrations/0023_audit_chain." + string(d) + ".sql")
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), chainMessage(d)); n != 2 {
			t.Errorf("%s: the migration holds the message %d times, want 2 (first row and the rest); it is:\n%s", d, n, chainMessage(d))
		}
	}
}
