package accounts

import (
	"context"
	"strconv"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
)

// Overview is the admin home page's figures.
type Overview struct {
	Users, Verified, Disabled, Admins int
	Orgs, Memberships, Invitations    int
	PendingMail, FailedMail           int
}

// AdminOverview counts users, organisations and mail.
func AdminOverview(ctx context.Context, q db.Querier) (Overview, error) {
	var o Overview
	now := db.Now()
	for _, c := range []struct {
		dst  *int
		sql  string
		args []any
	}{
		{&o.Users, `SELECT COUNT(*) FROM users`, nil},
		{&o.Verified, `SELECT COUNT(*) FROM users WHERE email_verified_at IS NOT NULL`, nil},
		{&o.Disabled, `SELECT COUNT(*) FROM users WHERE disabled_at IS NOT NULL`, nil},
		{&o.Admins, `SELECT COUNT(*) FROM users WHERE is_admin = TRUE AND disabled_at IS NULL`, nil},
		{&o.Orgs, `SELECT COUNT(*) FROM organisations`, nil},
		{&o.Memberships, `SELECT COUNT(*) FROM memberships`, nil},
		{&o.Invitations, `SELECT COUNT(*) FROM invitations WHERE accepted_at IS NULL AND expires_at > $1`, []any{now}},
		{&o.PendingMail, `SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND attempts < 10`, nil},
		{&o.FailedMail, `SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND (failed_at IS NOT NULL OR attempts >= 10)`, nil},
	} {
		if err := q.QueryRowContext(ctx, c.sql, c.args...).Scan(c.dst); err != nil {
			return o, err
		}
	}
	return o, nil
}

// ListUsers finds users whose name or email contains search, by name.
func ListUsers(ctx context.Context, q db.Querier, search string, limit, offset int) ([]User, int, error) {
	where, args := "", []any{}
	if m := db.MatchWords(search, []string{"name", "email"}, func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}); m != "" {
		where = ` WHERE ` + m
	}
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	args = append(args, limit, offset)
	rows, err := q.QueryContext(ctx, `SELECT `+userCols+` FROM users`+where+` ORDER BY LOWER(name), id LIMIT $`+strconv.Itoa(len(args)-1)+` OFFSET $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, *u)
	}
	return out, total, rows.Err()
}

var errLastAdmin = apperr.Errorf(apperr.ECONFLICT, "Partnerhub must always have at least one administrator. Make someone else an administrator first.")

// lockAdmins serialises changes to the set of administrators.
func lockAdmins(ctx context.Context, q db.Querier) (int, error) {
	if _, err := q.ExecContext(ctx, `UPDATE users SET updated_at = updated_at WHERE is_admin = TRUE`); err != nil {
		return 0, err
	}
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE is_admin = TRUE AND disabled_at IS NULL`).Scan(&n)
	return n, err
}

// SetDisabled disables (ending every session) or re-enables a user. The
// last active administrator cannot be disabled.
func SetDisabled(ctx context.Context, q db.Querier, userID int64, disabled bool) error {
	n, err := lockAdmins(ctx, q)
	if err != nil {
		return err
	}
	u, err := UserByID(ctx, q, userID)
	if err != nil {
		return err
	}
	if disabled == (u.DisabledAt != nil) {
		return nil
	}
	now := db.Now()
	if disabled {
		if u.IsAdmin && n <= 1 {
			return errLastAdmin
		}
		if _, err := q.ExecContext(ctx, `UPDATE users SET disabled_at = $1, updated_at = $1 WHERE id = $2`, now, userID); err != nil {
			return err
		}
		IdentityChanged(q)
		if err := DeleteSessions(ctx, q, userID, ""); err != nil {
			return err
		}
		return audit.Record(ctx, q, 0, "user.disable", "user", userID, u.Email)
	}
	if _, err := q.ExecContext(ctx, `UPDATE users SET disabled_at = NULL, updated_at = $1 WHERE id = $2`, now, userID); err != nil {
		return err
	}
	IdentityChanged(q)
	return audit.Record(ctx, q, 0, "user.enable", "user", userID, u.Email)
}

// SetAdmin makes a user an administrator or takes it away; the last
// active administrator keeps it.
func SetAdmin(ctx context.Context, q db.Querier, userID int64, admin bool) error {
	n, err := lockAdmins(ctx, q)
	if err != nil {
		return err
	}
	u, err := UserByID(ctx, q, userID)
	if err != nil {
		return err
	}
	if u.IsAdmin == admin {
		return nil
	}
	if !admin && u.DisabledAt == nil && n <= 1 {
		return errLastAdmin
	}
	if admin && u.DisabledAt != nil {
		return apperr.Errorf(apperr.EINVALID, "Enable this account before you make it an administrator.")
	}
	if _, err := q.ExecContext(ctx, `UPDATE users SET is_admin = $1, updated_at = $2 WHERE id = $3`, admin, db.Now(), userID); err != nil {
		return err
	}
	IdentityChanged(q)
	action := "user.admin_grant"
	if !admin {
		action = "user.admin_revoke"
	}
	return audit.Record(ctx, q, 0, action, "user", userID, u.Email)
}
