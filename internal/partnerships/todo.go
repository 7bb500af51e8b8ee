package partnerships

import (
	"context"
	"sort"
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
	var orgs []int64
	for org, role := range id.Orgs {
		if role >= web.RoleEditor {
			orgs = append(orgs, org)
		}
	}
	if len(orgs) == 0 {
		return nil, nil
	}
	sort.Slice(orgs, func(i, j int) bool { return orgs[i] < orgs[j] })
	args := []any{db.Now().Add(-NewResponseWindow)}
	in := db.Placeholders(&args, orgs)
	rows, err := s.DB.Q().QueryContext(ctx, `SELECT o.slug, o.name, COUNT(*) FROM partner_post_responses r JOIN partner_posts p ON p.id = r.post_id
		JOIN organisations o ON o.id = p.organisation_id
		WHERE p.organisation_id IN (`+in+`) AND p.status = 'open' AND r.status = 'active' AND r.created_at >= $1
		GROUP BY o.slug, o.name ORDER BY o.name`, args...)
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
		out = append(out, web.Todo{Title: "New responses to " + name + "’s partner posts", Count: n, Href: "/orgs/" + slug + "/posts",
			Hint: "Expressions of interest from the last two weeks."})
	}
	return out, rows.Err()
}
