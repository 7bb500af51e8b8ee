package assess

import (
	"context"

	"partnerhub/internal/db"
)

// ReviewerPaths are the assessors' own routes: an appointed assessor (like
// a platform admin) uses them only after a second factor in the session
// (web.Server.RequireSecondFactor; app.go wires it).
var ReviewerPaths = []string{"/review", "/assessments/{id}/review", "/assessments/{id}/review/{area}",
	"/assessments/{id}/more-evidence", "/assessments/{id}/decision"}

// IsAssessor reports whether the user is in the assessors' pool, for
// accounts.Service.Privileged: assessors must use two-factor sign-in.
func IsAssessor(ctx context.Context, q db.Querier, userID int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM assess_assessors WHERE user_id = $1`, userID).Scan(&n)
	return n > 0, db.Err(err, "")
}
