package directory

import (
	"context"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/apperr"
	"partnerhub/internal/clean"
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

type netMember struct {
	OrgID      int64
	Name, Slug string
	Status     string
}

// networkMembers lists a network's members and requests to join, by name.
func networkMembers(ctx context.Context, q db.Querier, networkID int64) ([]netMember, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.name, o.slug, m.status FROM network_members m JOIN organisations o ON o.id = m.organisation_id WHERE m.network_id = $1 ORDER BY o.name`, networkID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []netMember
	for rows.Next() {
		var m netMember
		if err := rows.Scan(&m.OrgID, &m.Name, &m.Slug, &m.Status); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CreateNetwork stores a new network with a unique slug made from its
// name, setting n.ID and n.Slug.
func CreateNetwork(ctx context.Context, tx *db.Tx, n *Network) error {
	slug, err := db.UniqueSlug(ctx, tx, "networks", clean.Slug(n.Name), 0)
	if err != nil {
		return err
	}
	n.Slug = slug
	return tx.QueryRowContext(ctx, `INSERT INTO networks (uuid, slug, name, purpose, who_can_join, meeting_pattern, contact, owner_org_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		uuid.NewString(), slug, n.Name, n.Purpose, n.WhoCanJoin, n.MeetingPattern, n.Contact, n.OwnerOrgID, db.Now()).Scan(&n.ID)
}

// RequestToJoin records an organisation's request to join a network.
func RequestToJoin(ctx context.Context, tx *db.Tx, networkID, orgID int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO network_members (network_id, organisation_id, status, requested_at) VALUES ($1, $2, 'requested', $3)`, networkID, orgID, db.Now()); err != nil {
		if apperr.Code(db.Err(err, "")) == apperr.ECONFLICT {
			return apperr.Errorf(apperr.ECONFLICT, "Your organisation has already asked to join or is a member")
		}
		return err
	}
	return nil
}

// joinRequested reports whether orgID has a pending request to join.
func joinRequested(ctx context.Context, q db.Querier, networkID, orgID int64) (bool, error) {
	var c int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM network_members WHERE network_id = $1 AND organisation_id = $2 AND status = 'requested'`, networkID, orgID).Scan(&c)
	return c > 0, err
}

// DecideJoinRequest accepts orgID's pending request (it becomes a member)
// or declines it (the request goes, so the organisation may ask again
// later); without a pending request it answers not found.
func DecideJoinRequest(ctx context.Context, tx *db.Tx, networkID, orgID int64, accept bool) error {
	q, args := `UPDATE network_members SET status = 'member', decided_at = $3 WHERE network_id = $1 AND organisation_id = $2 AND status = 'requested'`,
		[]any{networkID, orgID, db.Now()}
	if !accept {
		q, args = `DELETE FROM network_members WHERE network_id = $1 AND organisation_id = $2 AND status = 'requested'`, args[:2]
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if c, _ := res.RowsAffected(); c == 0 {
		return apperr.NotFound("request")
	}
	return nil
}
