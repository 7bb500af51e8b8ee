package directory

import (
	"context"

	"partnerhub/internal/db"
)

// SenderOrg is an organisation a person may send a message as.
type SenderOrg struct {
	ID   int64
	Name string
}

// senderOrgs lists the organisations user is an active member of, by name.
func senderOrgs(ctx context.Context, q db.Querier, user int64) ([]SenderOrg, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.name FROM memberships m JOIN organisations o ON o.id = m.organisation_id
		WHERE m.user_id = $1 ORDER BY o.name, o.id`, user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SenderOrg
	for rows.Next() {
		var o SenderOrg
		if err := rows.Scan(&o.ID, &o.Name); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
