package library

import (
	"context"
	"time"

	"partnerhub/internal/web"
)

// Todos is the library's line on a signed-in person's home: documents they
// own (not withdrawn) whose review date is past or within 30 days.
func (s *Service) Todos(ctx context.Context, id *web.Identity) ([]web.Todo, error) {
	var n int
	due := time.Now().AddDate(0, 0, 30)
	if err := s.DB.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM library_documents WHERE owner_id = $1 AND status <> 'withdrawn'
		AND next_review_on IS NOT NULL AND next_review_on <= $2`, id.UserID, due).Scan(&n); err != nil || n == 0 {
		return nil, err
	}
	return []web.Todo{{Title: "Library documents you own due for review", Count: n, Href: "/library"}}, nil
}
