package accounts

import (
	"context"
	"time"

	"partnerhub/internal/db"
)

// Cleanup removes expired sessions, tokens and old throttling records.
func (s *Service) Cleanup(ctx context.Context) error {
	now := db.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		for _, q := range []struct {
			sql string
			arg time.Time
		}{
			{`DELETE FROM sessions WHERE expires_at < $1`, now},
			{`DELETE FROM user_tokens WHERE expires_at < $1`, now.Add(-7 * 24 * time.Hour)},
			{`DELETE FROM auth_failures WHERE at < $1`, now.Add(-24 * time.Hour)},
			{`DELETE FROM auth_unlocks WHERE expires_at < $1`, now},
			{`DELETE FROM remembered_devices WHERE expires_at < $1`, now},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.arg); err != nil {
				return err
			}
		}
		return nil
	})
}
