package web

import (
	"context"
	"sort"
	"strings"

	"partnerhub/internal/db"
)

// Todo is one "what needs doing now" line on a signed-in person's home
// (/home): a count of things waiting and where to deal with them. Each
// feature offers its own TodoFunc; accounts collects them.
type Todo struct {
	Title string // e.g. "Bookings coming up"
	Count int
	Href  string // where to act; "" when the action is in an email
	Hint  string // optional one-line explanation
}

// TodoFunc lists what is waiting for the signed-in person id. It returns
// only non-empty todos (Count > 0).
type TodoFunc func(ctx context.Context, id *Identity) ([]Todo, error)

// OrgTodos is the shape of a per-organisation todo: for each organisation
// in which id has at least role, query counts what waits. query selects
// the organisation's slug, name and count, one row per organisation, and
// has (ORGS) where the organisations' ids go (args are its other
// arguments, numbered first); todo makes each row's line.
func OrgTodos(ctx context.Context, q db.Querier, id *Identity, role Role, query string, args []any, todo func(slug, name string, n int) Todo) ([]Todo, error) {
	var orgs []int64
	for org, r := range id.Orgs {
		if r >= role {
			orgs = append(orgs, org)
		}
	}
	if len(orgs) == 0 {
		return nil, nil
	}
	sort.Slice(orgs, func(i, j int) bool { return orgs[i] < orgs[j] })
	args = append([]any(nil), args...)
	in := db.Placeholders(&args, orgs)
	rows, err := q.QueryContext(ctx, strings.Replace(query, "(ORGS)", "("+in+")", 1), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Todo
	for rows.Next() {
		var slug, name string
		var n int
		if err := rows.Scan(&slug, &name, &n); err != nil {
			return nil, err
		}
		out = append(out, todo(slug, name, n))
	}
	return out, rows.Err()
}
