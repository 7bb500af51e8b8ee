package assess

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/mail"
)

// Contributors invited by email (table assess_invitations), for people
// without a Partnerhub account, as organisation invitations work in
// accounts: the lead enters an address with no account behind it, the
// person gets a link with a one-time token (only its hash is kept) that
// expires after InvitationTTL, signs up (or in) with that address, and
// accepting makes them a contributor and opens the assessment. The emails
// share accounts' email throttle (accounts.AllowMail).

// InvitationTTL is how long an assessment invitation link works.
const InvitationTTL = accounts.InvitationTTL

// Invitation is one emailed invitation to contribute.
type Invitation struct {
	ID           int64
	AssessmentID int64
	Email        string
	CreatedAt    time.Time
	ExpiresAt    time.Time
	AcceptedAt   *time.Time
}

// The ways an invitation link cannot be used, each with its own message.
var (
	errInvitationUnknown = apperr.Errorf(apperr.EINVALID, "This invitation link is not valid. Check that you copied the whole link from the email, or ask the assessment's lead to invite you again.")
	errInvitationUsed    = apperr.Errorf(apperr.EINVALID, "This invitation has already been used. If you accepted it, sign in and find the assessment under Assessments.")
)

func errInvitationExpired(on time.Time) error {
	return apperr.Errorf(apperr.EINVALID, "This invitation expired on %s. Ask the assessment's lead to invite you again.", on.Format("2 January 2006"))
}

// InviteByEmail emails email, which no account uses, an invitation to
// contribute to a; an earlier open invitation of the same address to it is
// replaced. ip is the inviter's client address, for the throttle.
func InviteByEmail(ctx context.Context, tx *db.Tx, a *Assessment, email, ip, baseURL string) error {
	if err := accounts.AllowMail(ctx, tx, email, ip); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM assess_invitations WHERE assessment_id = $1 AND email = $2 AND accepted_at IS NULL`, a.ID, email); err != nil {
		return err
	}
	tok, hash := accounts.NewToken()
	now := db.Now()
	act := audit.ActorFrom(ctx)
	if _, err := tx.ExecContext(ctx, `INSERT INTO assess_invitations (assessment_id, email, token_hash, invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		a.ID, email, hash, db.NullID(act.UserID), now, now.Add(InvitationTTL)); err != nil {
		return err
	}
	who := act.Name
	if who == "" {
		who = "Someone"
	}
	link := strings.TrimRight(baseURL, "/") + "/assessment-invitations/" + tok
	if err := mail.Enqueue(ctx, tx, mail.Message{To: email, Kind: "assess_invite",
		Subject: "You are invited to contribute to an assessment on Partnerhub",
		Body: fmt.Sprintf("Hello,\n\n%s has invited you to contribute to the assessment of %s on Partnerhub.\n\nTo accept, open:\n\n%s\n\nIf you do not have a Partnerhub account yet, create one with this email address (%s) from that page; you land in the assessment once you accept. The invitation works once and expires in %d days.\nIf you did not expect this, you can ignore this email.\n",
			who, a.SubjectName, link, email, int(InvitationTTL.Hours()/24))}); err != nil {
		return err
	}
	return History(ctx, tx, a, "invite_email", email)
}

// InvitationByToken finds the invitation of token, or says why it cannot
// be used (unknown, used, expired: EINVALID errors with their messages).
func InvitationByToken(ctx context.Context, q db.Querier, token string) (*Invitation, error) {
	if token == "" {
		return nil, errInvitationUnknown
	}
	inv := &Invitation{}
	var accepted sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT id, assessment_id, email, created_at, expires_at, accepted_at FROM assess_invitations WHERE token_hash = $1`,
		accounts.HashToken(token)).Scan(&inv.ID, &inv.AssessmentID, &inv.Email, &inv.CreatedAt, &inv.ExpiresAt, &accepted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errInvitationUnknown
	}
	if err != nil {
		return nil, err
	}
	if accepted.Valid {
		inv.AcceptedAt = &accepted.Time
		return inv, errInvitationUsed
	}
	if db.Now().After(inv.ExpiresAt) {
		return inv, errInvitationExpired(inv.ExpiresAt)
	}
	return inv, nil
}

// AcceptInvitation uses the invitation of token for user (named name): they
// become a contributor of its assessment, which it returns.
func AcceptInvitation(ctx context.Context, tx *db.Tx, token string, user int64, name string) (*Assessment, error) {
	inv, err := InvitationByToken(ctx, tx, token)
	if err != nil {
		return nil, err
	}
	a, err := AssessmentByID(ctx, tx, inv.AssessmentID)
	if err != nil {
		return nil, err
	}
	if user == a.ReviewerID {
		return nil, apperr.Errorf(apperr.ECONFLICT, "You are this assessment's reviewer, so you cannot contribute to it.")
	}
	res, err := tx.ExecContext(ctx, `UPDATE assess_invitations SET accepted_at = $1, accepted_by = $2 WHERE id = $3 AND accepted_at IS NULL`, db.Now(), user, inv.ID)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, errInvitationUsed
	}
	var already int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM assess_contributors WHERE assessment_id = $1 AND user_id = $2`, a.ID, user).Scan(&already); err != nil {
		return nil, err
	}
	if already == 0 {
		var by sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT invited_by FROM assess_invitations WHERE id = $1`, inv.ID).Scan(&by); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO assess_contributors (assessment_id, user_id, role, invited_by, created_at) VALUES ($1, $2, 'contributor', $3, $4)`,
			a.ID, user, db.NullID(by.Int64), db.Now()); err != nil {
			return nil, err
		}
	}
	return a, History(ctx, tx, a, "invite_accept", firstNonEmpty(name, inv.Email))
}

// PendingInvitations are a's emailed invitations not yet accepted nor
// expired, newest first.
func PendingInvitations(ctx context.Context, q db.Querier, assessment int64) ([]Invitation, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, assessment_id, email, created_at, expires_at FROM assess_invitations
		WHERE assessment_id = $1 AND accepted_at IS NULL AND expires_at > $2 ORDER BY created_at DESC, id DESC`, assessment, db.Now())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		var inv Invitation
		if err := rows.Scan(&inv.ID, &inv.AssessmentID, &inv.Email, &inv.CreatedAt, &inv.ExpiresAt); err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

func emailFormatErr() error {
	v := &apperr.Validation{}
	v.Add("email", "Enter an email address in the correct format, like name@example.org")
	return v.Err()
}
