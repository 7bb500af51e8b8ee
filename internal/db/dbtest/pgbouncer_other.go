//go:build !unix

package dbtest

import (
	"testing"

	"partnerhub/internal/db"
)

// PgBouncer needs Debian's pgbouncer; elsewhere the test is skipped.
func PgBouncer(t testing.TB) *db.DB {
	t.Helper()
	t.Skip("the PgBouncer test runs on Linux with Debian's pgbouncer")
	return nil
}
