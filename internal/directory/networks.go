package directory

import (
	"context"
	"time"

	"partnerhub/internal/db"
)

// Network is an existing network or forum.
type Network struct {
	ID             int64
	UUID           string
	Slug           string
	Name           string
	Purpose        string
	WhoCanJoin     string
	MeetingPattern string
	Contact        string
	OwnerOrgID     int64
	OwnerName      string
	OwnerSlug      string
	Members        int
	UpdatedAt      time.Time
}

const networkCols = `n.id, n.uuid, n.slug, n.name, n.purpose, n.who_can_join, n.meeting_pattern, n.contact, n.owner_org_id, o.name, o.slug,
	(SELECT COUNT(*) FROM network_members nm WHERE nm.network_id = n.id AND nm.status = 'member'), n.updated_at`

func scanNetwork(r interface{ Scan(...any) error }) (Network, error) {
	var n Network
	err := r.Scan(&n.ID, &n.UUID, &n.Slug, &n.Name, &n.Purpose, &n.WhoCanJoin, &n.MeetingPattern, &n.Contact, &n.OwnerOrgID, &n.OwnerName, &n.OwnerSlug, &n.Members, &n.UpdatedAt)
	return n, err
}

func queryNetworks(ctx context.Context, q db.Querier, where string, args ...any) ([]Network, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+networkCols+` FROM networks n JOIN organisations o ON o.id = n.owner_org_id `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Network
	for rows.Next() {
		n, err := scanNetwork(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// OrgNetworks lists the networks an organisation runs or belongs to.
func OrgNetworks(ctx context.Context, q db.Querier, orgID int64) ([]Network, error) {
	return queryNetworks(ctx, q, `WHERE n.owner_org_id = $1 OR EXISTS (SELECT 1 FROM network_members m WHERE m.network_id = n.id AND m.organisation_id = $1 AND m.status = 'member') ORDER BY n.name`, orgID)
}
