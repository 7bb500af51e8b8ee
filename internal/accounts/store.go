package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"partnerhub/internal/clean"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
)

const userCols = `id, email, name, password_hash, email_verified_at, is_admin, disabled_at, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.EmailVerifiedAt, &u.IsAdmin, &u.DisabledAt, &u.CreatedAt, &u.UpdatedAt)
	if err != nil {
		return nil, db.Err(err, "user")
	}
	return &u, nil
}

// NewToken returns a random URL-safe token and its stored hash.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is how tokens are stored: only their SHA-256.
func HashToken(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}

// InsertUser creates a user in tx. The password must already be checked.
func InsertUser(ctx context.Context, q db.Querier, h Hasher, name, email, password string, admin, verified bool) (*User, error) {
	hash, err := h.Hash(password)
	if err != nil {
		return nil, err
	}
	return InsertUserHash(ctx, q, hash, name, email, admin, verified)
}

// InsertUserHash is InsertUser with the password already hashed, for a
// caller that hashes before it knows whether it will insert (sign-up does
// the same work for an address that already has an account).
func InsertUserHash(ctx context.Context, q db.Querier, hash, name, email string, admin, verified bool) (*User, error) {
	now := db.Now()
	var ver any
	if verified {
		ver = now
	}
	u, err := scanUser(q.QueryRowContext(ctx, `INSERT INTO users (email, name, password_hash, email_verified_at, is_admin, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING `+userCols, NormaliseEmail(email), clean.Line(name), hash, ver, admin, now))
	if apperr.Is(err, apperr.ECONFLICT) {
		return nil, &apperr.Error{Code: apperr.ECONFLICT, Message: "An account with that email address already exists", Fields: []apperr.FieldError{{Field: "email", Message: "An account with that email address already exists"}}}
	}
	return u, err
}

// UserByEmail finds a user by email.
func UserByEmail(ctx context.Context, q db.Querier, email string) (*User, error) {
	return scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = $1`, NormaliseEmail(email)))
}

// UserByID finds a user by id.
func UserByID(ctx context.Context, q db.Querier, id int64) (*User, error) {
	return scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
}

// SetPassword replaces a user's password hash.
func SetPassword(ctx context.Context, q db.Querier, h Hasher, userID int64, pw string) error {
	hash, err := h.Hash(pw)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3`, hash, db.Now(), userID)
	IdentityChanged(q)
	return err
}

// IssueToken stores a single-use token for purpose and returns it.
func IssueToken(ctx context.Context, q db.Querier, userID int64, purpose, newEmail string, ttl time.Duration) (string, error) {
	// A new token replaces unused ones of the same purpose.
	if _, err := q.ExecContext(ctx, `DELETE FROM user_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, userID, purpose); err != nil {
		return "", err
	}
	tok, hash := NewToken()
	now := db.Now()
	_, err := q.ExecContext(ctx, `INSERT INTO user_tokens (token_hash, user_id, purpose, new_email, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		hash, userID, purpose, newEmail, now, now.Add(ttl))
	return tok, err
}

var errBadToken = apperr.Errorf(apperr.EINVALID, "This link has expired or has already been used. Ask for a new one.")

// PeekToken checks a token without using it.
func PeekToken(ctx context.Context, q db.Querier, token, purpose string) (userID int64, newEmail string, err error) {
	var expires time.Time
	var used *time.Time
	err = q.QueryRowContext(ctx, `SELECT user_id, new_email, expires_at, used_at FROM user_tokens WHERE token_hash = $1 AND purpose = $2`,
		HashToken(token), purpose).Scan(&userID, &newEmail, &expires, &used)
	if err == sql.ErrNoRows || (err == nil && (used != nil || db.Now().After(expires))) {
		return 0, "", errBadToken
	}
	return userID, newEmail, err
}

// ConsumeToken marks a token used and returns its user. It fails for
// unknown, used or expired tokens.
func ConsumeToken(ctx context.Context, q db.Querier, token, purpose string) (userID int64, newEmail string, err error) {
	userID, newEmail, err = PeekToken(ctx, q, token, purpose)
	if err != nil {
		return 0, "", err
	}
	res, err := q.ExecContext(ctx, `UPDATE user_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL`, db.Now(), HashToken(token))
	if err != nil {
		return 0, "", err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return 0, "", errBadToken
	}
	return userID, newEmail, nil
}

// --- sessions

// CreateSession starts a session and returns its secret token.
func CreateSession(ctx context.Context, q db.Querier, userID int64, ttl time.Duration, ip, ua string) (string, error) {
	tok, hash := NewToken()
	now := db.Now()
	if len(ua) > 300 {
		ua = ua[:300]
	}
	_, err := q.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $3, $4, $5, $6)`,
		hash, userID, now, now.Add(ttl), ip, ua)
	return tok, err
}

// DeleteSessions ends every session of a user except keepHash ("" ends all).
func DeleteSessions(ctx context.Context, q db.Querier, userID int64, keepHash string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2`, userID, keepHash)
	IdentityChanged(q)
	return err
}

// --- organisations and memberships

const orgCols = `id, uuid, slug, name, sector, legal_form, created_at, updated_at`

func scanOrg(row interface{ Scan(...any) error }) (*Organisation, error) {
	var o Organisation
	if err := row.Scan(&o.ID, &o.UUID, &o.Slug, &o.Name, &o.Sector, &o.LegalForm, &o.CreatedAt, &o.UpdatedAt); err != nil {
		return nil, db.Err(err, "organisation")
	}
	return &o, nil
}

// reservedSlugs are /orgs/ paths that are pages, not organisations.
var reservedSlugs = []string{"new"}

// InsertOrg creates an organisation with a unique slug. ownerID 0 creates
// it with no members (a directory entry that can be claimed).
func InsertOrg(ctx context.Context, q db.Querier, o *Organisation, ownerID int64) error {
	if err := ValidateOrg(o); err != nil {
		return err
	}
	slug, err := db.UniqueSlug(ctx, q, "organisations", clean.Slug(o.Name), 0, reservedSlugs...)
	if err != nil {
		return err
	}
	now := db.Now()
	if o.UUID == "" {
		o.UUID = uuid.NewString()
	}
	o.Slug, o.CreatedAt, o.UpdatedAt = slug, now, now
	if err := q.QueryRowContext(ctx, `INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
		o.UUID, o.Slug, o.Name, o.Sector, o.LegalForm, now).Scan(&o.ID); err != nil {
		return err
	}
	if ownerID != 0 {
		if err := AddMember(ctx, q, o.ID, ownerID, "owner"); err != nil {
			return err
		}
	}
	return audit.Record(ctx, q, o.ID, "organisation.create", "organisation", o.ID, o.Name)
}

// OrgBySlug finds an organisation by its slug.
func OrgBySlug(ctx context.Context, q db.Querier, slug string) (*Organisation, error) {
	return scanOrg(q.QueryRowContext(ctx, `SELECT `+orgCols+` FROM organisations WHERE slug = $1`, slug))
}

// OrgByID finds an organisation by id.
func OrgByID(ctx context.Context, q db.Querier, id int64) (*Organisation, error) {
	return scanOrg(q.QueryRowContext(ctx, `SELECT `+orgCols+` FROM organisations WHERE id = $1`, id))
}

// OrgWithMembers reads an organisation and how many members it has, in
// one query (its dashboard shows the count, not the members).
func OrgWithMembers(ctx context.Context, q db.Querier, id int64) (*Organisation, int, error) {
	var o Organisation
	var n int
	err := q.QueryRowContext(ctx, `SELECT o.id, o.uuid, o.slug, o.name, o.sector, o.legal_form, o.created_at, o.updated_at,
		(SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = o.id) FROM organisations o WHERE o.id = $1`, id).
		Scan(&o.ID, &o.UUID, &o.Slug, &o.Name, &o.Sector, &o.LegalForm, &o.CreatedAt, &o.UpdatedAt, &n)
	if err != nil {
		return nil, 0, db.Err(err, "organisation")
	}
	return &o, n, nil
}

// OrgWithRole is an organisation with the viewer's role in it.
type OrgWithRole struct {
	Organisation
	Role string
}

// OrgsForUser lists the organisations a user belongs to.
func OrgsForUser(ctx context.Context, q db.Querier, userID int64) ([]OrgWithRole, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.uuid, o.slug, o.name, o.sector, o.legal_form, o.created_at, o.updated_at, m.role
		FROM memberships m JOIN organisations o ON o.id = m.organisation_id WHERE m.user_id = $1 ORDER BY o.name`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OrgWithRole
	for rows.Next() {
		var o OrgWithRole
		if err := rows.Scan(&o.ID, &o.UUID, &o.Slug, &o.Name, &o.Sector, &o.LegalForm, &o.CreatedAt, &o.UpdatedAt, &o.Role); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// AddMember gives a user a role in an organisation (or changes it).
func AddMember(ctx context.Context, q db.Querier, orgID, userID int64, role string) error {
	if role != "owner" && role != "editor" && role != "viewer" {
		return apperr.Errorf(apperr.EINVALID, "Choose owner, editor or viewer")
	}
	_, err := q.ExecContext(ctx, `INSERT INTO memberships (organisation_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (organisation_id, user_id) DO UPDATE SET role = excluded.role`, orgID, userID, role, db.Now())
	if err != nil {
		return err
	}
	IdentityChanged(q)
	return audit.Record(ctx, q, orgID, "membership.set", "user", userID, role)
}

// Member is a user's membership of an organisation.
type Member struct {
	UserID int64
	Name   string
	Email  string
	Role   string
	Since  time.Time
}

// Members lists an organisation's members, owners first.
func Members(ctx context.Context, q db.Querier, orgID int64) ([]Member, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.name, u.email, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.organisation_id = $1 ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'editor' THEN 1 ELSE 2 END, u.name`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.UserID, &m.Name, &m.Email, &m.Role, &m.Since); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CountOwners counts an organisation's owners.
func CountOwners(ctx context.Context, q db.Querier, orgID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships WHERE organisation_id = $1 AND role = 'owner'`, orgID).Scan(&n)
	return n, err
}

// ClearSignInFailures forgets the failed sign-ins counted against an
// email address (after it signed in, reset its password or unlocked).
func ClearSignInFailures(ctx context.Context, q db.Querier, email string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM auth_failures WHERE key = $1`, "email:"+email)
	return err
}

// MarkEmailVerified records that a user confirmed their address (once).
func MarkEmailVerified(ctx context.Context, tx db.Querier, uid int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET email_verified_at = $1, updated_at = $1 WHERE id = $2 AND email_verified_at IS NULL`, db.Now(), uid)
	IdentityChanged(tx)
	return err
}

// markEmailVerifiedByReset records that a password reset proved the
// address, keeping an earlier confirmation's time.
func markEmailVerifiedByReset(ctx context.Context, tx db.Querier, uid int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1) WHERE id = $2`, db.Now(), uid)
	IdentityChanged(tx)
	return err
}
