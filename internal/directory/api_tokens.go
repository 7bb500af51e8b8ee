package directory

import (
	"context"
	"net/http"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// Personal API tokens (table api_tokens, migration 0100). A member creates
// a token on /account/tokens and sends it as "Authorization: Bearer <token>"
// to the directory's JSON API (/api/v1/organizations). Only the token's
// SHA-256 is stored; the token itself is shown once. A token acts as its
// user with the user's current memberships (looked up on every request, so
// a removed membership or a disabled account takes effect at once).

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
	name = accounts.CleanText(name)
	var v apperr.Validation
	v.Check(name != "", "name", "Enter a name for the token, like \"Website sync\"")
	checkLen(&v, "name", "Token name", name, 60)
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL`, userID).Scan(&n); err != nil {
		return "", nil, err
	}
	if n >= MaxTokensPerUser {
		return "", nil, &apperr.Error{Code: apperr.EINVALID, Message: "You have too many tokens", Fields: []apperr.FieldError{{Field: "name",
			Message: "You already have " + itoa(MaxTokensPerUser) + " tokens. Revoke one you no longer use first."}}}
	}
	secret, _ := accounts.NewToken()
	secret = TokenPrefix + secret
	t := &APIToken{Name: name, CreatedAt: db.Now()}
	if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		userID, name, accounts.HashToken(secret), t.CreatedAt).Scan(&t.ID); err != nil {
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

// apiToken reads one of the user's tokens; another user's looks missing.
func apiToken(ctx context.Context, q db.Querier, userID, id int64) (*APIToken, error) {
	var t APIToken
	err := q.QueryRowContext(ctx, `SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE id = $1 AND user_id = $2`, id, userID).
		Scan(&t.ID, &t.Name, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
	if err != nil {
		return nil, db.Err(err, "token")
	}
	return &t, nil
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

// RevokeAllAPITokens stops every token of a user working (an
// accounts.Revoker: a password change or reset ends them) and returns how
// many it stopped.
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
// the same membership lookup the session sign-in does (roles per
// organisation; commissioner when a member of a public-sector
// organisation), or an EUNAUTHORIZED error for an unknown, revoked or
// disabled user's token. It also returns the token's id and name.
func TokenIdentity(ctx context.Context, d *db.DB, secret string) (*web.Identity, *APIToken, error) {
	bad := apperr.Errorf(apperr.EUNAUTHORIZED, "The API token is not valid. It may have been revoked: create a new one on your account's API tokens page.")
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return nil, nil, bad
	}
	var id web.Identity
	var tok APIToken
	var verified *time.Time
	err := d.Q().QueryRowContext(ctx, `SELECT t.id, t.name, t.created_at, t.last_used_at, u.id, u.name, u.email, u.is_admin, u.email_verified_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled_at IS NULL`, accounts.HashToken(secret)).
		Scan(&tok.ID, &tok.Name, &tok.CreatedAt, &tok.LastUsedAt, &id.UserID, &id.Name, &id.Email, &id.Admin, &verified)
	if err != nil {
		if err = db.Err(err, "token"); apperr.Is(err, apperr.ENOTFOUND) {
			return nil, nil, bad
		}
		return nil, nil, err
	}
	id.Verified = verified != nil
	rows, err := d.Q().QueryContext(ctx, `SELECT m.organisation_id, m.role, o.sector FROM memberships m JOIN organisations o ON o.id = m.organisation_id WHERE m.user_id = $1`, id.UserID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	id.Orgs = map[int64]web.Role{}
	for rows.Next() {
		var org int64
		var role, sector string
		if err := rows.Scan(&org, &role, &sector); err != nil {
			return nil, nil, err
		}
		rl, _ := web.ParseRole(role)
		id.Orgs[org] = rl
		if sector == "public" {
			id.Commissioner = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	now := db.Now()
	if tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= tokenUse {
		if _, err := d.W().ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, now, tok.ID); err != nil {
			return nil, nil, err
		}
		tok.LastUsedAt = &now
	}
	return &id, &tok, nil
}

// apiCaller resolves who is calling a directory API route. The route table's
// policies only know the session identity, so the /api/v1 directory routes
// check tokens here: a request with "Authorization: Bearer <token>" acts as
// the token's user (and a bad token is refused with 401, never ignored);
// without the header the session identity (or nil, anonymous) stands.
// The returned request carries the identity and an audit actor naming the
// token, so permission checks (Identity.Can) and audit.Record work as usual.
func (s *Service) apiCaller(w http.ResponseWriter, r *http.Request) (*web.Identity, *http.Request, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return web.IdentityFrom(r.Context()), r, nil
	}
	w.Header().Set("Cache-Control", "no-store")
	scheme, secret, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="partnerhub"`)
		return nil, nil, apperr.Errorf(apperr.EUNAUTHORIZED, "Send the API token as \"Authorization: Bearer <token>\"")
	}
	id, tok, err := TokenIdentity(r.Context(), s.DB, strings.TrimSpace(secret))
	if err != nil {
		if apperr.Is(err, apperr.EUNAUTHORIZED) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="partnerhub", error="invalid_token"`)
		}
		return nil, nil, err
	}
	ctx := web.WithIdentity(r.Context(), id)
	ctx = audit.WithActor(ctx, audit.Actor{UserID: id.UserID, Name: id.Email + " (API token: " + tok.Name + ")", RequestID: web.RequestID(ctx)})
	return id, r.WithContext(ctx), nil
}

// --- the /account/tokens pages (session sign-in, web.SignedIn).

func (s *Service) tokensPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderTokens(w, r, http.StatusOK, nil, "")
}

func (s *Service) renderTokens(w http.ResponseWriter, r *http.Request, status int, err error, secret string) error {
	id := web.IdentityFrom(r.Context())
	ts, lerr := APITokens(r.Context(), s.DB.Q(), id.UserID)
	if lerr != nil {
		return lerr
	}
	return s.Web.Render(w, r, status, "directory/tokens.html", map[string]any{"Title": "API tokens", "Tokens": ts, "Err": err,
		"Form": r.PostForm, "Secret": secret, "BaseURL": s.Web.Config.BaseURL})
}

func (s *Service) createToken(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	var secret string
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		secret, _, err = CreateAPIToken(ctx, tx, id.UserID, r.PostForm.Get("name"))
		return err
	})
	if apperr.Code(err) == apperr.EINVALID {
		return s.renderTokens(w, r, http.StatusUnprocessableEntity, err, "")
	}
	if err != nil {
		return err
	}
	// Shown once, on this response only (no redirect: the secret must not
	// travel in a URL or a cookie). Signed-in pages are no-store.
	r.PostForm = nil
	return s.renderTokens(w, r, http.StatusOK, nil, secret)
}

func (s *Service) revokeTokenForm(w http.ResponseWriter, r *http.Request) error {
	tid, err := pathID(r, "token")
	if err != nil {
		return err
	}
	t, err := apiToken(r.Context(), s.DB.Q(), web.IdentityFrom(r.Context()).UserID, tid)
	if err != nil {
		return err
	}
	if t.RevokedAt != nil {
		return web.Redirect(w, r, "/account/tokens", "That token was already revoked")
	}
	return s.Web.Render(w, r, http.StatusOK, "directory/tokens_revoke.html", map[string]any{"Title": "Revoke API token", "Token": t})
}

func (s *Service) revokeToken(w http.ResponseWriter, r *http.Request) error {
	tid, err := pathID(r, "token")
	if err != nil {
		return err
	}
	ctx := r.Context()
	uid := web.IdentityFrom(ctx).UserID
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return RevokeAPIToken(ctx, tx, uid, tid) }); err != nil {
		return err
	}
	return web.Redirect(w, r, "/account/tokens", "Token revoked. Programs using it can no longer change your organisations' profiles.")
}
