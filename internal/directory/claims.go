package directory

import (
	"context"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// Claim is a pending or decided claim to manage an organisation that has
// no members yet.
type Claim struct {
	ID                            int64
	OrgID, UserID                 int64
	OrgName, OrgSlug, Email, Name string
	Message, Status               string
	CreatedAt                     time.Time
}

// memberCount is how many people belong to an organisation.
func memberCount(ctx context.Context, q db.Querier, orgID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships WHERE organisation_id = $1`, orgID).Scan(&n)
	return n, err
}

// RequestClaim records userID's claim to manage p, refusing a second
// pending claim by the same person.
func RequestClaim(ctx context.Context, tx *db.Tx, p *Profile, userID int64, msg string) (int64, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_claims WHERE organisation_id = $1 AND user_id = $2 AND status = 'pending'`, p.ID, userID).Scan(&n); err != nil {
		return 0, err
	}
	if n > 0 {
		return 0, apperr.Errorf(apperr.ECONFLICT, "You have already asked to claim %s. An administrator will look at it soon.", p.Name)
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO org_claims (organisation_id, user_id, message, created_at) VALUES ($1, $2, $3, $4) RETURNING id`, p.ID, userID, msg, db.Now()).Scan(&id)
	return id, err
}

// Claims lists the latest 200 claims, pending ones first.
func Claims(ctx context.Context, q db.Querier) ([]Claim, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.organisation_id, c.user_id, o.name, o.slug, u.email, u.name, c.message, c.status, c.created_at
		FROM org_claims c JOIN organisations o ON o.id = c.organisation_id JOIN users u ON u.id = c.user_id ORDER BY c.status = 'pending' DESC, c.created_at DESC LIMIT 200`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []Claim
	for rows.Next() {
		var c Claim
		if err := rows.Scan(&c.ID, &c.OrgID, &c.UserID, &c.OrgName, &c.OrgSlug, &c.Email, &c.Name, &c.Message, &c.Status, &c.CreatedAt); err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// DecideClaim approves or rejects a pending claim (decision "approved" or
// "rejected"); approving makes the claimant the organisation's owner, as
// long as it still has no members. It returns the claim as it was.
func DecideClaim(ctx context.Context, tx *db.Tx, id int64, decision string, by int64) (*Claim, error) {
	c := Claim{ID: id}
	if err := tx.QueryRowContext(ctx, `SELECT c.organisation_id, c.user_id, c.status, u.email, u.name, o.name, o.slug FROM org_claims c JOIN users u ON u.id = c.user_id JOIN organisations o ON o.id = c.organisation_id WHERE c.id = $1`, id).
		Scan(&c.OrgID, &c.UserID, &c.Status, &c.Email, &c.Name, &c.OrgName, &c.OrgSlug); err != nil {
		return nil, db.Err(err, "claim")
	}
	if c.Status != "pending" {
		return nil, apperr.Errorf(apperr.ECONFLICT, "This claim has already been decided")
	}
	if _, err := tx.ExecContext(ctx, `UPDATE org_claims SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4`, decision, db.Now(), by, id); err != nil {
		return nil, err
	}
	if decision == "approved" {
		n, err := memberCount(ctx, tx, c.OrgID)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, apperr.Errorf(apperr.ECONFLICT, "%s has members now; this claim can only be rejected", c.OrgName)
		}
		if err := accounts.AddMember(ctx, tx, c.OrgID, c.UserID, "owner"); err != nil {
			return nil, err
		}
	}
	return &c, nil
}
