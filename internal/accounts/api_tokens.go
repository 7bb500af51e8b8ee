package accounts

import (
	"context"
	"net/http"
	"partnerhub/internal/clean"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// Personal API tokens (table api_tokens, migration 0100). A member creates
// a token on /account/tokens and sends it as "Authorization: Bearer <token>"
// to the JSON API under /api/. Only the token's SHA-256 is stored; the token
// itself is shown once. Identify resolves a token into the identity of its
// user, with the user's current memberships (looked up on every request, so
// a removed membership or a disabled account takes effect at once), on
// /api/ paths only: everywhere else the Authorization header is ignored, so
// a token cannot change a password, mint tokens or use any page.

// TokenPrefix starts every token, so leaked tokens are easy to recognise.
const TokenPrefix = "phk_"

// MaxTokensPerUser bounds a user's active tokens.
const MaxTokensPerUser = 20

// APIToken is one personal API token (never the secret itself).
type APIToken struct {
	ID         int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// CreateAPIToken makes a token for a user and returns the secret (shown
// once). Audited.
func CreateAPIToken(ctx context.Context, tx *db.Tx, userID int64, name string) (string, *APIToken, error) {
	name = clean.Text(name)
	var v apperr.Validation
	v.Check(name != "", "name", "Enter a name for the token, like \"Website sync\"")
	v.Check(utf8.RuneCountInString(name) <= 60, "name", "Token name must be 60 characters or fewer")
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL`, userID).Scan(&n); err != nil {
		return "", nil, err
	}
	if n >= MaxTokensPerUser {
		return "", nil, &apperr.Error{Code: apperr.EINVALID, Message: "You have too many tokens", Fields: []apperr.FieldError{{Field: "name",
			Message: "You already have " + strconv.Itoa(MaxTokensPerUser) + " tokens. Revoke one you no longer use first."}}}
	}
	secret, _ := NewToken()
	secret = TokenPrefix + secret
	t := &APIToken{Name: name, CreatedAt: db.Now()}
	if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		userID, name, HashToken(secret), t.CreatedAt).Scan(&t.ID); err != nil {
		return "", nil, err
	}
	return secret, t, audit.Record(ctx, tx, 0, "api_token.create", "api_token", t.ID, name)
}

// APITokens lists a user's tokens, active first, newest first.
func APITokens(ctx context.Context, q db.Querier, userID int64) ([]APIToken, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1
		ORDER BY CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		if err := rows.Scan(&t.ID, &t.Name, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// apiToken reads a token and the id of the user it belongs to.
func apiToken(ctx context.Context, q db.Querier, id int64) (*APIToken, int64, error) {
	var t APIToken
	var owner int64
	err := q.QueryRowContext(ctx, `SELECT id, user_id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE id = $1`, id).
		Scan(&t.ID, &owner, &t.Name, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
	if err != nil {
		return nil, 0, db.Err(err, "token")
	}
	return &t, owner, nil
}

// RevokeAPIToken stops a token working (the row stays, for the record). Audited.
func RevokeAPIToken(ctx context.Context, tx *db.Tx, userID, id int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL`, db.Now(), id, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("token")
	}
	return audit.Record(ctx, tx, 0, "api_token.revoke", "api_token", id, "")
}

// RevokeAllAPITokens stops every token of a user working (a password change
// or reset ends them) and returns how many it stopped.
func RevokeAllAPITokens(ctx context.Context, tx *db.Tx, userID int64) (int, error) {
	res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, db.Now(), userID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// tokenUse is how often last_used_at is written (not on every request).
const tokenUse = time.Minute

// TokenIdentity returns the identity a bearer token acts as: its user, with
// the memberships a session sign-in gets, or an EUNAUTHORIZED error for an
// unknown or revoked token or a disabled user's. The identity names the
// token (Identity.Token), for audit records.
func TokenIdentity(ctx context.Context, d *db.DB, secret string) (*web.Identity, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return nil, errBadAPIToken
	}
	var id web.Identity
	var tok APIToken
	var verified *time.Time
	err := d.Q().QueryRowContext(ctx, `SELECT t.id, t.name, t.created_at, t.last_used_at, u.id, u.name, u.email, u.is_admin, u.email_verified_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL`, HashToken(secret)).
		Scan(&tok.ID, &tok.Name, &tok.CreatedAt, &tok.LastUsedAt, &id.UserID, &id.Name, &id.Email, &id.Admin, &verified)
	if err != nil {
		if err = db.Err(err, "token"); apperr.Is(err, apperr.ENOTFOUND) {
			return nil, errBadAPIToken
		}
		return nil, err
	}
	id.Verified = verified != nil
	id.Token = tok.Name
	if err := loadMemberships(ctx, d.Q(), &id); err != nil {
		return nil, err
	}
	now := db.Now()
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= tokenUse {
		if _, err := d.W().ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, tok.ID); err != nil {
			return nil, err
		}
	}
	return &id, nil
}

var errBadAPIToken = apperr.Errorf(apperr.EUNAUTHORIZED, "The API token is not valid. It may have been revoked: create a new one on your account's API tokens page.")

// bearerIdentity is Identify for a request to /api/ that carries an
// Authorization header: a valid bearer token acts as its user; a bad token
// or another scheme is refused with 401, never ignored.
func (s *Service) bearerIdentity(r *http.Request) (*web.Identity, error) {
	scheme, secret, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return nil, apperr.Errorf(apperr.EUNAUTHORIZED, "Send the API token as \"Authorization: Bearer <token>\"")
	}
	return TokenIdentity(r.Context(), s.DB, strings.TrimSpace(secret))
}
