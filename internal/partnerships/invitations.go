package partnerships

import (
	"context"
	"database/sql"
	"sort"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// Invitations to join a partnership (table partnership_invitations). The
// lead's editors invite an organisation with a role and a message; the
// invited organisation's editors accept, which records the membership
// through InsertMember (the code the partnership page's "Add a member"
// uses), or decline. Until then the partnership is unchanged.

// Invitation statuses.
const (
	InvitePending  = "pending"
	InviteAccepted = "accepted"
	InviteDeclined = "declined"
)

// Invitation is one organisation invited into one partnership.
type Invitation struct {
	ID            int64
	PartnershipID int64
	OrgID         int64 // the invited organisation
	Role          string
	Message       string
	Status        string
	InvitedBy     string // who invited, by name or email ("" when gone)
	OrgName       string // the invited organisation's name (InvitationsFor)
	CreatedAt     time.Time
	DecidedAt     *time.Time
}

// InviteRoles are the roles an organisation can be invited to take (a
// partnership has its lead already).
var InviteRoles = []string{"member", "associate", "subcontractor"}

// Invite records an invitation of org into partnership p as role. It
// refuses an organisation that is a current member or has an open
// invitation already.
func Invite(ctx context.Context, tx db.Querier, p *Partnership, org int64, role, message string, by int64) (*Invitation, error) {
	if !in(InviteRoles, role) {
		return nil, fieldErr("role", "Choose the role you invite them to take")
	}
	for _, m := range p.Members {
		if m.OrgID == org && m.Current(time.Now()) {
			return nil, apperr.Errorf(apperr.ECONFLICT, "%s is already a member of %s.", m.OrgName, p.Name)
		}
	}
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM partnership_invitations WHERE partnership_id = $1 AND organisation_id = $2 AND status = 'pending'`,
		p.ID, org).Scan(&open); err != nil {
		return nil, err
	}
	if open > 0 {
		return nil, apperr.Errorf(apperr.ECONFLICT, "That organisation already has an invitation to %s waiting for an answer.", p.Name)
	}
	inv := &Invitation{PartnershipID: p.ID, OrgID: org, Role: role, Message: message, Status: InvitePending, CreatedAt: db.Now()}
	var byArg any
	if by != 0 {
		byArg = by
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO partnership_invitations (partnership_id, organisation_id, role, message, status, invited_by, created_at)
		VALUES ($1, $2, $3, $4, 'pending', $5, $6) RETURNING id`, p.ID, org, role, message, byArg, inv.CreatedAt).Scan(&inv.ID)
	return inv, db.Err(err, "invitation")
}

// InvitationOf is invitation id of organisation org (ENOTFOUND when org
// has no such invitation).
func InvitationOf(ctx context.Context, q db.Querier, org, id int64) (*Invitation, error) {
	inv := &Invitation{}
	var decided sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT i.id, i.partnership_id, i.organisation_id, i.role, i.message, i.status, COALESCE(NULLIF(u.name, ''), u.email, ''), i.created_at, i.decided_at
		FROM partnership_invitations i LEFT JOIN users u ON u.id = i.invited_by WHERE i.organisation_id = $1 AND i.id = $2`, org, id).
		Scan(&inv.ID, &inv.PartnershipID, &inv.OrgID, &inv.Role, &inv.Message, &inv.Status, &inv.InvitedBy, &inv.CreatedAt, &decided)
	if err != nil {
		return nil, db.Err(err, "invitation")
	}
	if decided.Valid {
		inv.DecidedAt = &decided.Time
	}
	return inv, nil
}

// Accept adds the invited organisation to the partnership as invited
// (joined today) and marks the invitation accepted.
func Accept(ctx context.Context, tx db.Querier, inv *Invitation, by int64) (*Member, error) {
	if err := decide(ctx, tx, inv, InviteAccepted, by); err != nil {
		return nil, err
	}
	today := db.Day(time.Now())
	m := &Member{PartnershipID: inv.PartnershipID, OrgID: inv.OrgID, Role: inv.Role, Joined: &today}
	return m, InsertMember(ctx, tx, m)
}

// Decline marks the invitation declined.
func Decline(ctx context.Context, tx db.Querier, inv *Invitation, by int64) error {
	return decide(ctx, tx, inv, InviteDeclined, by)
}

// decide closes a pending invitation with status; one already answered
// (here or by someone else at the same time) is a conflict.
func decide(ctx context.Context, tx db.Querier, inv *Invitation, status string, by int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE partnership_invitations SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4 AND status = 'pending'`,
		status, db.Now(), by, inv.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = apperr.Errorf(apperr.ECONFLICT, "This invitation was already answered.")
		}
		return err
	}
	inv.Status = status
	return nil
}

// InviteTargets are the partnerships the caller can invite organisations
// into: not ended, led by one of orgs, and managed by the caller (CanManage).
func InviteTargets(ctx context.Context, q db.Querier, d db.Dialect, id *web.Identity, orgs []int64) ([]*Partnership, error) {
	var pids []int64
	err := db.QueryEach(ctx, q, d, `SELECT DISTINCT m.partnership_id FROM partnership_members m JOIN partnerships p ON p.id = m.partnership_id
		WHERE m.role = 'lead' AND p.status <> 'ended' AND m.organisation_id IN (IDS)`, nil, orgs, func(rows *sql.Rows) error {
		var pid int64
		err := rows.Scan(&pid)
		pids = append(pids, pid)
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []*Partnership
	seen := map[int64]bool{}
	for _, pid := range pids {
		if seen[pid] {
			continue
		}
		seen[pid] = true
		p, err := ByID(ctx, q, pid)
		if err != nil {
			return nil, err
		}
		if CanManage(id, p) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// InvitationsFor lists partnership pid's invitations still waiting for an
// answer and those declined, newest first, with the invited organisations'
// names (for the partnership's managers).
func InvitationsFor(ctx context.Context, q db.Querier, pid int64) ([]Invitation, error) {
	rows, err := q.QueryContext(ctx, `SELECT i.id, i.organisation_id, o.name, i.role, i.status, i.created_at FROM partnership_invitations i
		JOIN organisations o ON o.id = i.organisation_id WHERE i.partnership_id = $1 AND i.status <> 'accepted' ORDER BY i.created_at DESC, i.id DESC`, pid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		inv := Invitation{PartnershipID: pid}
		if err := rows.Scan(&inv.ID, &inv.OrgID, &inv.OrgName, &inv.Role, &inv.Status, &inv.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// PendingInvitation is an invitation waiting for an organisation's answer.
type PendingInvitation struct {
	ID          int64
	Partnership string // its name
	Role        string
}

// PendingInvitations lists the invitations waiting for an organisation's
// answer, oldest first.
func PendingInvitations(ctx context.Context, q db.Querier, org int64) ([]PendingInvitation, error) {
	rows, err := q.QueryContext(ctx, `SELECT i.id, p.name, i.role FROM partnership_invitations i JOIN partnerships p ON p.id = i.partnership_id
		WHERE i.organisation_id = $1 AND i.status = 'pending' ORDER BY i.created_at, i.id`, org)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PendingInvitation
	for rows.Next() {
		var p PendingInvitation
		if err := rows.Scan(&p.ID, &p.Partnership, &p.Role); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
