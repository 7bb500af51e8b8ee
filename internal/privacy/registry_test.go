package privacy_test

import (
	"context"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/privacy"
)

// Every column of the migrated schema that looks personal is declared in
// the registry, and every declaration names a real column.
func TestRegistryCoversSchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		missing, stale, err := privacy.Undeclared(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range missing {
			t.Errorf("%s looks personal but the registry (internal/privacy/registry.go) does not declare it", m)
		}
		for _, s := range stale {
			t.Errorf("the registry declares %s, which the schema does not have", s)
		}
	})
}

// The check catches what a careless migration would add: an email-like
// column anywhere, and any text column of a table that refers to a user.
func TestRegistryCatchesUndeclaredColumns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, stmt := range []string{
			`ALTER TABLE organisations ADD COLUMN founder_email TEXT NOT NULL DEFAULT ''`,
			`CREATE TABLE volunteer_notes (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), remark TEXT)`,
			`ALTER TABLE events ADD COLUMN booked_total INTEGER NOT NULL DEFAULT 0`,
		} {
			if _, err := d.W().ExecContext(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
		missing, _, err := privacy.Undeclared(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"organisations.founder_email", "volunteer_notes.remark"}
		if len(missing) != len(want) || missing[0] != want[0] || missing[1] != want[1] {
			t.Fatalf("undeclared = %v, want %v", missing, want)
		}
	})
}
