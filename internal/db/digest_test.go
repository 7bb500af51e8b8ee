package db

import (
	"context"
	"strings"
	"testing"
)

// TestMigrationsDigestCoversGoSteps: a Go step added to a migration file
// gives the dialect a new digest (a schema migrated without it is not the
// same), and the digest of a dialect with steps covers their source.
func TestMigrationsDigestCoversGoSteps(t *testing.T) {
	before, err := MigrationsDigest(Postgres)
	if err != nil {
		t.Fatal(err)
	}
	old := goSteps
	t.Cleanup(func() { goSteps = old })
	goSteps = map[string]func(context.Context, *Tx) error{}
	for k, v := range old {
		goSteps[k] = v
	}
	goSteps["0100_directory"] = func(context.Context, *Tx) error { return nil }
	after, err := MigrationsDigest(Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if after == before {
		t.Error("a Go step added to a PostgreSQL migration left the digest as it was")
	}
	if !strings.Contains(goStepsSource, "func widenSQLiteCheck") {
		t.Error("goStepsSource is not migrate_steps.go")
	}
}
