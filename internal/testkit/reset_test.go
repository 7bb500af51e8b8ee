package testkit_test

import (
	"context"
	"testing"

	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/testkit"
)

func TestResetPostgresEmptiesTheSchema(t *testing.T) {
	u := dbtest.PostgresURL(t)
	if u == "" {
		t.Skip("PostgreSQL not configured (PARTNERHUB_TEST_POSTGRES_URL)")
	}
	d := dbtest.Postgres(t, u)
	ctx := context.Background()
	if err := testkit.ResetPostgres(ctx, d, false); err == nil {
		t.Fatal("reset without --force accepted a database holding Partnerhub data")
	}
	if err := testkit.ResetPostgres(ctx, d, true); err != nil {
		t.Fatal(err)
	}
	var tables, funcs int
	d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&tables)
	d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()`).Scan(&funcs)
	if tables != 0 || funcs != 0 {
		t.Fatalf("left %d tables and %d functions", tables, funcs)
	}
	// The schema migrates again from scratch and takes a demo.
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := testkit.Generate(ctx, d, testkit.Options{Seed: 1, Orgs: 40}); err != nil {
		t.Fatal(err)
	}
}
