package bids

import (
	"context"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// Todos is the bids feature's lines on a signed-in person's home: for each
// organisation they own, places in bids still being drafted that wait for
// the organisation’s sign-off (listed with links on its dashboard).
func (s *Service) Todos(ctx context.Context, id *web.Identity) ([]web.Todo, error) {
	var orgs []int64
	for org, role := range id.Orgs {
		if role >= web.RoleOwner {
			orgs = append(orgs, org)
		}
	}
	if len(orgs) == 0 {
		return nil, nil
	}
	var args []any
	in := db.Placeholders(&args, orgs)
	rows, err := s.DB.Q().QueryContext(ctx, `SELECT o.slug, o.name, COUNT(*) FROM bid_members m JOIN bids b ON b.id = m.bid_id
		JOIN organisations o ON o.id = m.organisation_id
		WHERE m.organisation_id IN (`+in+`) AND m.signoff = 'invited' AND b.status = 'drafting' GROUP BY o.slug, o.name ORDER BY o.name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []web.Todo
	for rows.Next() {
		var slug, name string
		var n int
		if err := rows.Scan(&slug, &name, &n); err != nil {
			return nil, err
		}
		out = append(out, web.Todo{Title: "Bids waiting for " + name + "’s sign-off", Count: n, Href: "/orgs/" + slug})
	}
	return out, rows.Err()
}
