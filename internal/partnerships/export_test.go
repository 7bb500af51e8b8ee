package partnerships

import (
	"testing"

	"partnerhub/internal/db"
)

// SeedHandBuilt loads the hand-built measures case (for the HTTP tests).
func SeedHandBuilt(t testing.TB, d *db.DB) { handBuilt(t, d) }

// SeedScale fills a SQLite store with orgs organisations and about
// members memberships (the measures benchmark's data).
func SeedScale(tb testing.TB, d *db.DB, orgs, members int) { seedScale(tb, d, orgs, members) }
