package opportunities

import (
	"context"
	"sort"
	"time"

	"partnerhub/internal/web"
)

// ClosingSoon is how near an opportunity's close must be to be a todo.
const ClosingSoon = 14 * 24 * time.Hour

// Todos is the opportunities feature's lines on a signed-in person's home:
// for each of their organisations outside the public sector, open
// opportunities that fit its profile (FitsFor, less those the person hid)
// and close within ClosingSoon. They are listed on the organisation's
// dashboard.
func (s *Service) Todos(ctx context.Context, id *web.Identity) ([]web.Todo, error) {
	ids := make([]int64, 0, len(id.Orgs))
	for org := range id.Orgs {
		ids = append(ids, org)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	now := s.Now()
	var out []web.Todo
	for _, org := range ids {
		var slug, name, sector string
		if err := s.DB.Q().QueryRowContext(ctx, `SELECT slug, name, sector FROM organisations WHERE id = $1`, org).Scan(&slug, &name, &sector); err != nil {
			return nil, err
		}
		if sector == "public" {
			continue
		}
		fits, err := FitsFor(ctx, s.DB.Q(), s.DB.Dialect, org, now, 25)
		if err != nil {
			return nil, err
		}
		if fits, err = s.withoutHidden(ctx, fits, 25); err != nil {
			return nil, err
		}
		n := 0
		for _, f := range fits {
			if c := f.O.ClosesAt(); c != nil && c.After(now) && c.Sub(now) <= ClosingSoon {
				n++
			}
		}
		if n > 0 {
			out = append(out, web.Todo{Title: "Opportunities closing soon that fit " + name, Count: n, Href: "/orgs/" + slug,
				Hint: "Open, matching your profile, and closing within two weeks."})
		}
	}
	return out, nil
}
