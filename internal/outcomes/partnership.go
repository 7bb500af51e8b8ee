package outcomes

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// Partnership is what outcomes needs of a partnership: its name and who
// leads and belongs to it now. (Read here rather than through the
// partnerships package, which the demo generator's tests import.)
type Partnership struct {
	ID             int64
	Slug, Name     string
	Public         bool
	Leads, Members []int64 // current lead organisations; every current member organisation
}

// PartnershipBy loads a partnership by slug (or by id when slug is "").
func PartnershipBy(ctx context.Context, q db.Querier, slug string, id int64) (*Partnership, error) {
	p := &Partnership{}
	var vis string
	err := q.QueryRowContext(ctx, `SELECT id, slug, name, visibility FROM partnerships WHERE slug = $1 OR (id = $2 AND $1 = '')`, slug, id).Scan(&p.ID, &p.Slug, &p.Name, &vis)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("Partnership")
	}
	if err != nil {
		return nil, err
	}
	p.Public = vis == "public"
	today := db.Day(time.Now())
	rows, err := q.QueryContext(ctx, `SELECT organisation_id, role FROM partnership_members WHERE partnership_id = $1 AND (left_on IS NULL OR left_on >= $2) ORDER BY id`, p.ID, today)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seen := map[int64]bool{}
	for rows.Next() {
		var org int64
		var role string
		if err := rows.Scan(&org, &role); err != nil {
			return nil, err
		}
		if role == "lead" {
			p.Leads = append(p.Leads, org)
		}
		if !seen[org] {
			seen[org] = true
			p.Members = append(p.Members, org)
		}
	}
	return p, rows.Err()
}
