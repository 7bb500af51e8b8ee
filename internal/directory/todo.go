package directory

import (
	"context"
	"database/sql"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// Todos is the directory's lines on a signed-in person's home, for each
// organisation they edit: policies whose review date is past or within
// ReviewWarning, and requests to join networks the organisation runs.
// Administrators also see claims waiting for a decision.
func (s *Service) Todos(ctx context.Context, id *web.Identity) ([]web.Todo, error) {
	q := s.DB.Q()
	var out []web.Todo
	var orgs []int64
	for org, role := range id.Orgs {
		if role >= web.RoleEditor {
			orgs = append(orgs, org)
		}
	}
	if len(orgs) > 0 {
		args := []any{today(time.Now()).Add(ReviewWarning)}
		in := "(" + db.Placeholders(&args, orgs) + ")"
		rows, err := q.QueryContext(ctx, `SELECT o.slug, o.name, COUNT(*) FROM org_policies p JOIN organisations o ON o.id = p.organisation_id
			WHERE p.organisation_id IN `+in+` AND p.review_date IS NOT NULL AND p.review_date <= $1
			GROUP BY o.slug, o.name ORDER BY o.name`, args...)
		if err != nil {
			return nil, err
		}
		err = eachTodo(rows, func(slug, name string, n int) {
			out = append(out, web.Todo{Title: "Policies due for review at " + name, Count: n, Href: "/orgs/" + slug + "/profile#policies"})
		})
		if err != nil {
			return nil, err
		}
		var nargs []any
		nin := "(" + db.Placeholders(&nargs, orgs) + ")"
		rows, err = q.QueryContext(ctx, `SELECT n.slug, n.name, COUNT(*) FROM network_members m JOIN networks n ON n.id = m.network_id
			WHERE n.owner_org_id IN `+nin+` AND m.status = 'requested' GROUP BY n.slug, n.name ORDER BY n.name`, nargs...)
		if err != nil {
			return nil, err
		}
		err = eachTodo(rows, func(slug, name string, n int) {
			out = append(out, web.Todo{Title: "Requests to join " + name, Count: n, Href: "/networks/" + slug})
		})
		if err != nil {
			return nil, err
		}
	}
	if id.Admin {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_claims WHERE status = 'pending'`).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, web.Todo{Title: "Organisation claims to approve", Count: n, Href: "/admin/claims"})
		}
	}
	return out, nil
}

// eachTodo reads (slug, name, count) rows.
func eachTodo(rows *sql.Rows, f func(slug, name string, n int)) error {
	defer rows.Close()
	for rows.Next() {
		var slug, name string
		var n int
		if err := rows.Scan(&slug, &name, &n); err != nil {
			return err
		}
		f(slug, name, n)
	}
	return rows.Err()
}
