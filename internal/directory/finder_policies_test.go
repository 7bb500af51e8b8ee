package directory

import (
	"context"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestPolicyCountsHoldAnyNumberOfKinds: the finder's one-column count of
// policies held and due reads back right on both databases for any
// number of policies, not only up to seven (the number of kinds today:
// with held*8 + due, eight due policies read as nine held, none due).
func TestPolicyCountsHoldAnyNumberOfKinds(t *testing.T) {
	if len(PolicyKinds) < 1 {
		t.Fatal("no policy kinds")
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Rows 1..n, the first due of them due.
		q := `WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 1000) ` +
			policyCountsSQL(`r.i <= $2`, `r WHERE r.i <= $1`)
		for _, held := range []int{0, 1, len(PolicyKinds), len(PolicyKinds) + 1, 8, 9, 16, 17, 64, 1000} {
			for _, due := range []int{0, 1, held / 2, held - 1, held} {
				if due < 0 || due > held {
					continue
				}
				var pol int64
				if err := d.Q().QueryRowContext(ctx, q, held, due).Scan(&pol); err != nil {
					t.Fatal(err)
				}
				if h, u := unpackPolicies(pol); h != held || u != due {
					t.Errorf("%d held, %d due: read back as %d held, %d due", held, due, h, u)
				}
			}
		}
	})
}
