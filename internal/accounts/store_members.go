package accounts

import (
	"context"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
)

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 14 * 24 * time.Hour

// Roles an organisation member can have, most powerful first.
var Roles = []string{"owner", "editor", "viewer"}

// Invitation is an emailed offer to join an organisation with a role.
type Invitation struct {
	ID         int64
	OrgID      int64
	Email      string
	Role       string
	InvitedBy  *int64
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt *time.Time
}

var errBadInvitation = apperr.Errorf(apperr.EINVALID, "This invitation has expired, has been withdrawn or has already been used. Ask an owner of the organisation to invite you again.")

var errLastOwner = apperr.Errorf(apperr.ECONFLICT, "An organisation must always have at least one owner. Make someone else an owner first.")

const invCols = `id, organisation_id, email, role, invited_by, created_at, expires_at, accepted_at`

func scanInvitation(row interface{ Scan(...any) error }) (*Invitation, error) {
	var i Invitation
	if err := row.Scan(&i.ID, &i.OrgID, &i.Email, &i.Role, &i.InvitedBy, &i.CreatedAt, &i.ExpiresAt, &i.AcceptedAt); err != nil {
		return nil, db.Err(err, "invitation")
	}
	return &i, nil
}

// lockOrg serialises membership changes of one organisation (a row lock on
// PostgreSQL; SQLite writers are serialised already), so that two owners
// cannot both step down at once.
func lockOrg(ctx context.Context, q db.Querier, orgID int64) error {
	res, err := q.ExecContext(ctx, `UPDATE organisations SET updated_at = updated_at WHERE id = $1`, orgID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.NotFound("organisation")
	}
	return nil
}

// CreateInvitation stores an invitation and returns its secret token. A
// pending invitation of the same address to the same organisation is
// replaced, so only the newest link works.
func CreateInvitation(ctx context.Context, q db.Querier, orgID int64, email, role string, invitedBy int64) (string, *Invitation, error) {
	email = NormaliseEmail(email)
	if _, err := q.ExecContext(ctx, `DELETE FROM invitations WHERE organisation_id = $1 AND email = $2 AND accepted_at IS NULL`, orgID, email); err != nil {
		return "", nil, err
	}
	tok, hash := NewToken()
	now := db.Now()
	var by any
	if invitedBy != 0 {
		by = invitedBy
	}
	inv, err := scanInvitation(q.QueryRowContext(ctx, `INSERT INTO invitations (organisation_id, email, role, token_hash, invited_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+invCols, orgID, email, role, hash, by, now, now.Add(InvitationTTL)))
	if err != nil {
		return "", nil, err
	}
	return tok, inv, audit.Record(ctx, q, orgID, "invitation.create", "invitation", inv.ID, email+" as "+role)
}

// PendingInvitations lists an organisation's unaccepted, unexpired invitations.
func PendingInvitations(ctx context.Context, q db.Querier, orgID int64) ([]Invitation, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+invCols+` FROM invitations WHERE organisation_id = $1 AND accepted_at IS NULL AND expires_at > $2 ORDER BY created_at DESC, id DESC`, orgID, db.Now())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		i, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *i)
	}
	return out, rows.Err()
}

// InvitationByToken finds a usable invitation by its token.
func InvitationByToken(ctx context.Context, q db.Querier, token string) (*Invitation, error) {
	if token == "" {
		return nil, errBadInvitation
	}
	inv, err := scanInvitation(q.QueryRowContext(ctx, `SELECT `+invCols+` FROM invitations WHERE token_hash = $1`, HashToken(token)))
	if apperr.Is(err, apperr.ENOTFOUND) || (err == nil && (inv.AcceptedAt != nil || db.Now().After(inv.ExpiresAt))) {
		return nil, errBadInvitation
	}
	return inv, err
}

// AcceptInvitation uses the invitation for userID: they become a member
// with the invited role (an existing member keeps a more powerful role).
func AcceptInvitation(ctx context.Context, q db.Querier, token string, userID int64) (*Invitation, error) {
	inv, err := InvitationByToken(ctx, q, token)
	if err != nil {
		return nil, err
	}
	if err := lockOrg(ctx, q, inv.OrgID); err != nil {
		return nil, err
	}
	res, err := q.ExecContext(ctx, `UPDATE invitations SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL`, db.Now(), inv.ID)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, errBadInvitation
	}
	role := inv.Role
	if m, err := MemberOf(ctx, q, inv.OrgID, userID); err == nil && roleRank(m.Role) >= roleRank(role) {
		role = m.Role
	} else if err != nil && !apperr.Is(err, apperr.ENOTFOUND) {
		return nil, err
	}
	if err := AddMember(ctx, q, inv.OrgID, userID, role); err != nil {
		return nil, err
	}
	return inv, audit.Record(ctx, q, inv.OrgID, "invitation.accept", "invitation", inv.ID, inv.Email+" as "+role)
}

// RevokeInvitation withdraws a pending invitation of the organisation.
func RevokeInvitation(ctx context.Context, q db.Querier, orgID, invID int64) (*Invitation, error) {
	inv, err := scanInvitation(q.QueryRowContext(ctx, `SELECT `+invCols+` FROM invitations WHERE id = $1 AND organisation_id = $2 AND accepted_at IS NULL`, invID, orgID))
	if err != nil {
		return nil, err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM invitations WHERE id = $1`, invID); err != nil {
		return nil, err
	}
	return inv, audit.Record(ctx, q, orgID, "invitation.revoke", "invitation", invID, inv.Email)
}

func roleRank(role string) int {
	switch role {
	case "owner":
		return 3
	case "editor":
		return 2
	case "viewer":
		return 1
	}
	return 0
}

// MemberOf returns one member of an organisation.
func MemberOf(ctx context.Context, q db.Querier, orgID, userID int64) (*Member, error) {
	var m Member
	err := q.QueryRowContext(ctx, `SELECT u.id, u.name, u.email, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.organisation_id = $1 AND m.user_id = $2`, orgID, userID).Scan(&m.UserID, &m.Name, &m.Email, &m.Role, &m.Since)
	if err != nil {
		return nil, db.Err(err, "member")
	}
	return &m, nil
}

// SetMemberRole changes a member's role; the last owner cannot be demoted.
func SetMemberRole(ctx context.Context, q db.Querier, orgID, userID int64, role string) error {
	if roleRank(role) == 0 {
		return fieldErr(apperr.EINVALID, "role", "Choose owner, editor or viewer")
	}
	if err := lockOrg(ctx, q, orgID); err != nil {
		return err
	}
	m, err := MemberOf(ctx, q, orgID, userID)
	if err != nil {
		return err
	}
	if m.Role == role {
		return nil
	}
	if m.Role == "owner" {
		n, err := CountOwners(ctx, q, orgID)
		if err != nil {
			return err
		}
		if n <= 1 {
			return errLastOwner
		}
	}
	return AddMember(ctx, q, orgID, userID, role)
}

// RemoveMember ends a membership; the last owner cannot be removed.
func RemoveMember(ctx context.Context, q db.Querier, orgID, userID int64) error {
	if err := lockOrg(ctx, q, orgID); err != nil {
		return err
	}
	m, err := MemberOf(ctx, q, orgID, userID)
	if err != nil {
		return err
	}
	if m.Role == "owner" {
		n, err := CountOwners(ctx, q, orgID)
		if err != nil {
			return err
		}
		if n <= 1 {
			return errLastOwner
		}
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM memberships WHERE organisation_id = $1 AND user_id = $2`, orgID, userID); err != nil {
		return err
	}
	IdentityChanged(q)
	return audit.Record(ctx, q, orgID, "membership.remove", "user", userID, m.Email)
}
