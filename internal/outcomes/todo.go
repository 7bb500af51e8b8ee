package outcomes

import (
	"context"

	"partnerhub/internal/web"
)

// Todos is the outcomes feature's line on an administrator's home:
// declarations of another outcomes system waiting to be verified.
func (s *Service) Todos(ctx context.Context, id *web.Identity) ([]web.Todo, error) {
	if !id.Admin {
		return nil, nil
	}
	var n int
	if err := s.DB.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM outcome_other_systems WHERE verified_at IS NULL`).Scan(&n); err != nil || n == 0 {
		return nil, err
	}
	return []web.Todo{{Title: "Outcomes-system declarations to verify", Count: n, Href: "/admin/outcomes/systems"}}, nil
}
