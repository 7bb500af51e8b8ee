package partnerships

import (
	"context"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// NewResponseWindow is how recent an expression of interest must be to
// count as new on the home page (there is no "seen" marker yet).
const NewResponseWindow = 14 * 24 * time.Hour

// Todos is the partnerships feature's line on a signed-in person's home:
// for each organisation they edit, active expressions of interest made in
// the last NewResponseWindow on its open "looking for partners" posts.
func (s *Service) Todos(ctx context.Context, id *web.Identity) ([]web.Todo, error) {
	return web.OrgTodos(ctx, s.DB.Q(), id, web.RoleEditor, `SELECT o.slug, o.name, COUNT(*) FROM partner_post_responses r JOIN partner_posts p ON p.id = r.post_id
		JOIN organisations o ON o.id = p.organisation_id
		WHERE p.organisation_id IN (ORGS) AND p.status = 'open' AND r.status = 'active' AND r.created_at >= $1
		GROUP BY o.slug, o.name ORDER BY o.name`, []any{db.Now().Add(-NewResponseWindow)},
		func(slug, name string, n int) web.Todo {
			return web.Todo{Title: "New responses to " + name + "’s partner posts", Count: n, Href: "/orgs/" + slug + "/posts",
				Hint: "Expressions of interest from the last two weeks."}
		})
}
