package partnerships

import (
	"testing"

	"partnerhub/internal/db"
)

// SeedHandBuilt loads the hand-built measures case (for the HTTP tests).
func SeedHandBuilt(t testing.TB, d *db.DB) { handBuilt(t, d) }
