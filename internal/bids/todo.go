package bids

import (
	"context"

	"partnerhub/internal/web"
)

// Todos is the bids feature's lines on a signed-in person's home: for each
// organisation they own, places in bids still being drafted that wait for
// the organisation’s sign-off (listed with links on its dashboard).
func (s *Service) Todos(ctx context.Context, id *web.Identity) ([]web.Todo, error) {
	return web.OrgTodos(ctx, s.DB.Q(), id, web.RoleOwner, `SELECT o.slug, o.name, COUNT(*) FROM bid_members m JOIN bids b ON b.id = m.bid_id
		JOIN organisations o ON o.id = m.organisation_id
		WHERE m.organisation_id IN (ORGS) AND m.signoff = 'invited' AND b.status = 'drafting' GROUP BY o.slug, o.name ORDER BY o.name`, nil,
		func(slug, name string, n int) web.Todo {
			return web.Todo{Title: "Bids waiting for " + name + "’s sign-off", Count: n, Href: "/orgs/" + slug}
		})
}
