package accounts

import (
	"context"
	"time"

	"partnerhub/internal/db"
)

// Session is one signed-in browser of a user (never its secret).
type Session struct {
	IDHash     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	IP         string
	UserAgent  string
	Current    bool
}

// SessionsForUser lists a user's unexpired sessions, most recent first;
// currentHash marks the caller's own.
func SessionsForUser(ctx context.Context, q db.Querier, userID int64, currentHash string) ([]Session, error) {
	rows, err := q.QueryContext(ctx, `SELECT id_hash, created_at, last_seen_at, expires_at, ip, user_agent FROM sessions
		WHERE user_id = $1 AND expires_at > $2 AND mfa_pending = FALSE ORDER BY last_seen_at DESC, created_at DESC`, userID, db.Now())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var s Session
		if err := rows.Scan(&s.IDHash, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.IP, &s.UserAgent); err != nil {
			return nil, err
		}
		s.Current = s.IDHash == currentHash
		out = append(out, s)
	}
	return out, rows.Err()
}

// SetEmail changes a user's email address and marks it verified (the
// caller proved it by following the emailed link).
func SetEmail(ctx context.Context, q db.Querier, userID int64, email string) error {
	now := db.Now()
	_, err := q.ExecContext(ctx, `UPDATE users SET email = $1, email_verified_at = $2, updated_at = $2 WHERE id = $3`, NormaliseEmail(email), now, userID)
	IdentityChanged(q)
	return db.Err(err, "user")
}
