package accounts

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/secretkey"
	"partnerhub/internal/web"
)

// Service is the accounts feature: it implements web.Auth and serves the
// sign-in, account, organisation membership and admin pages.
type Service struct {
	DB     *db.DB
	Web    *web.Server
	Hasher Hasher
	// Key seals two-factor secrets (internal/secretkey); New sets a
	// random one, app.Build the server's.
	Key *secretkey.Key
	// Revokers end the credentials other packages keep for a user when the
	// account's password is changed or reset, in the same transaction
	// (after its own API tokens).
	Revokers []Revoker
	// OrgPanels add other features' sections to an organisation's
	// dashboard (/orgs/{org}), in order.
	OrgPanels []OrgPanelFunc
	// Todos add other features' "what needs doing now" lines to the
	// signed-in person's home (/home), in order.
	Todos []web.TodoFunc
	// Privileged say whether a user who is not a platform admin must still
	// use two-factor sign-in (an appointed assessor), web.Identity.Privileged.
	Privileged []func(ctx context.Context, q db.Querier, userID int64) (bool, error)

	dummyOnce sync.Once
	dummy     string

	identities identityCache  // identity_cache.go
	touches    sessionTouches // session_touch.go

	// auditChecked is where the audit page's last verification of the
	// chain ended (adminAudit).
	auditMu      sync.Mutex
	auditChecked audit.Checkpoint

	readsOnce sync.Once
	reads     db.Querier
}

// q is the read Querier of the signed-in pages' own queries (resolving an
// organisation, /account, the dashboard): their statements are kept
// prepared on SQLite (db.NewReadStatements), as they run on every request.
func (s *Service) q() db.Querier {
	s.readsOnce.Do(func() { s.reads = db.NewReadStatements(s.DB) })
	return s.reads
}

// Revoker ends a user's credentials kept outside this package; it returns
// how many it ended.
type Revoker func(ctx context.Context, tx *db.Tx, userID int64) (int, error)

// revoke ends the user's API tokens and runs every Revoker for userID.
func (s *Service) revoke(ctx context.Context, tx *db.Tx, userID int64) (int, error) {
	n, err := RevokeAllAPITokens(ctx, tx, userID)
	if err != nil {
		return n, err
	}
	// Remembered devices skip the code only until the password changes.
	if err := ForgetDevices(ctx, tx, userID); err != nil {
		return n, err
	}
	for _, r := range s.Revokers {
		k, err := r(ctx, tx, userID)
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}

// New returns the accounts service. cost "test" selects the fast hasher.
func New(d *db.DB, w *web.Server) *Service {
	h := ProductionHasher
	if w != nil && w.Config.PasswordCost == "test" {
		h = FastHasher
	}
	s := &Service{DB: d, Web: w, Hasher: h, Key: secretkey.Random()}
	if w != nil {
		w.Resolve("api-token", s.resolveToken) // http_tokens.go
	}
	return s
}

var errBadCredentials = &apperr.Error{Code: apperr.EUNAUTHORIZED, Message: "Enter a correct email address and password",
	Fields: []apperr.FieldError{{Field: "email", Message: "Enter a correct email address and password"}}}

func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() { s.dummy, _ = s.Hasher.Hash("not-a-real-password-for-timing") })
	return s.dummy
}

// Authenticate checks an email and password, with the same answer and the
// same work for unknown emails, and throttles failures per account and per
// address (throttle.go): each attempt is counted and recorded before the
// password is checked, so concurrent guesses cannot pass the same count.
func (s *Service) Authenticate(ctx context.Context, email, password, ip string) (*User, error) {
	email = NormaliseEmail(email)
	if len(password) > MaxPasswordBytes {
		password = password[:MaxPasswordBytes+1] // still wrong, bounded work
	}
	ids, before, err := s.reserveSignin(ctx, email, ip)
	if err != nil {
		return nil, err
	}
	u, err := UserByEmail(ctx, s.DB.Q(), email)
	if err != nil && !apperr.Is(err, apperr.ENOTFOUND) {
		return nil, err
	}
	hash := s.dummyHash()
	if u != nil {
		hash = u.PasswordHash
	}
	ok := Verify(hash, password)
	if u == nil || !ok || u.DisabledAt != nil {
		// The attempt stays recorded as a failure. The one that makes the
		// account wait mails its holder an unlock link.
		if u != nil && u.DisabledAt == nil && before == freeFailsAccount-1 {
			if err := s.sendUnlock(ctx, u); err != nil {
				return nil, err
			}
		}
		return nil, errBadCredentials
	}
	if err := s.forgive(ctx, ids); err != nil {
		return nil, err
	}
	return u, nil
}

// cookieName is __Host- prefixed whenever the cookie can be Secure.
func (s *Service) cookieName(r *http.Request) string {
	if s.Web.IsSecure(r) {
		return "__Host-partnerhub_session"
	}
	return "partnerhub_session"
}

// sessionToken reads the session cookie. Over HTTPS only the __Host-
// cookie counts, so a sibling subdomain cannot plant a session.
func (s *Service) sessionToken(r *http.Request) string {
	names := []string{"__Host-partnerhub_session", "partnerhub_session"}
	if s.Web.IsSecure(r) {
		names = names[:1]
	}
	for _, n := range names {
		if c, err := r.Cookie(n); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// StartSession signs the user in: a new session id (never reusing one the
// browser already had) in an HttpOnly, SameSite=Lax cookie.
func (s *Service) StartSession(w http.ResponseWriter, r *http.Request, userID int64) error {
	return s.startSession(w, r, userID, sessionFull)
}

// sessionKind is what a new session has proved.
type sessionKind int

const (
	sessionFull       sessionKind = iota // a password (no second factor set up)
	sessionTwoFactor                     // a password and a second factor
	sessionMFAPending                    // a password; waits for the code
)

// pendingTTL is how long a password-checked session waits for its code.
const pendingTTL = 10 * time.Minute

func (s *Service) startSession(w http.ResponseWriter, r *http.Request, userID int64, kind sessionKind) error {
	if old := s.sessionToken(r); old != "" {
		s.DB.W().ExecContext(r.Context(), `DELETE FROM sessions WHERE id_hash = $1`, HashToken(old))
		IdentityChanged(s.DB.W())
	}
	ttl := s.Web.Config.SessionTTL
	if ttl <= 0 {
		ttl = 14 * 24 * time.Hour
	}
	if kind == sessionMFAPending {
		ttl = pendingTTL
	}
	ctx := r.Context()
	tok, err := CreateSession(ctx, s.DB.W(), userID, ttl, s.Web.ClientIP(r), r.UserAgent())
	if err != nil {
		return err
	}
	// Signing in is a fresh authentication (RequireRecentAuth).
	now := db.Now()
	switch kind {
	case sessionFull:
		_, err = s.DB.W().ExecContext(ctx, `UPDATE sessions SET reauth_at = $1 WHERE id_hash = $2`, now, HashToken(tok))
	case sessionTwoFactor:
		err = MarkSession(ctx, s.DB.W(), tok)
	case sessionMFAPending:
		_, err = s.DB.W().ExecContext(ctx, `UPDATE sessions SET mfa_pending = TRUE WHERE id_hash = $1`, HashToken(tok))
	}
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r), Value: tok, Path: "/", HttpOnly: true, Secure: s.Web.IsSecure(r), SameSite: http.SameSiteLaxMode, MaxAge: int(ttl.Seconds())})
	return nil
}

// EndSession signs the current session out.
func (s *Service) EndSession(w http.ResponseWriter, r *http.Request) error {
	if tok := s.sessionToken(r); tok != "" {
		if _, err := s.DB.W().ExecContext(r.Context(), `DELETE FROM sessions WHERE id_hash = $1`, HashToken(tok)); err != nil {
			return err
		}
		IdentityChanged(s.DB.W())
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r), Value: "", Path: "/", HttpOnly: true, Secure: s.Web.IsSecure(r), SameSite: http.SameSiteLaxMode, MaxAge: -1})
	return nil
}

// Identify implements web.Auth.
//
// On /api/ paths a request with an Authorization header is identified by
// its bearer token alone (a personal API token, api_tokens.go); a bad one
// is a 401. Elsewhere the header is ignored: tokens are for the API only,
// never for the pages (changing a password, making tokens ...).
func (s *Service) Identify(r *http.Request) (*web.Identity, error) {
	if strings.HasPrefix(r.URL.Path, "/api/") && r.Header.Get("Authorization") != "" {
		return s.bearerIdentity(r)
	}
	tok := s.sessionToken(r)
	if tok == "" {
		return nil, nil
	}
	ctx := r.Context()
	hash := HashToken(tok)
	now := db.Now()
	// Read before the identity, so a cached one is checked against it and
	// a loaded one is at least as new (web's page cache reuses it).
	v, verr := s.DB.StateVersion(ctx)
	var e *cachedIdentity
	ok := false
	if verr == nil {
		e, ok = s.identities.get(hash, now, v)
	}
	if !ok {
		var err error
		if e, err = s.loadIdentity(r, hash, v, verr == nil); err != nil || e == nil {
			return nil, err
		}
	}
	if now.After(e.expires) {
		return nil, nil
	}
	// Sliding expiry, written at most every five minutes, most of them in
	// batches (session_touch.go).
	if now.Sub(e.lastSeen) > touchEvery {
		ttl := s.Web.Config.SessionTTL
		if ttl <= 0 {
			ttl = 14 * 24 * time.Hour
		}
		s.touchSession(ctx, hash, now, e.expires, ttl)
	}
	return &e.id, nil
}

// loadIdentity reads a session's identity from the database and caches
// it; nil for no such session (or one still waiting for its second
// factor, which is nobody yet).
func (s *Service) loadIdentity(r *http.Request, hash string, v db.StateVersion, versioned bool) (*cachedIdentity, error) {
	ctx := r.Context()
	e := cachedIdentity{fetched: db.Now(), epoch: identityEpoch.Load(), version: v, versioned: versioned}
	id := &e.id
	var verified, secondFactor *time.Time
	var pending bool
	err := s.DB.Q().QueryRowContext(ctx, `SELECT u.id, u.name, u.email, u.is_admin, u.email_verified_at, s.last_seen_at, s.expires_at, s.mfa_pending, s.second_factor_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND u.disabled_at IS NULL`, hash).
		Scan(&id.UserID, &id.Name, &id.Email, &id.Admin, &verified, &e.lastSeen, &e.expires, &pending, &secondFactor)
	if err != nil {
		err = db.Err(err, "session")
		if apperr.Is(err, apperr.ENOTFOUND) {
			return nil, nil
		}
		return nil, err
	}
	if pending {
		return nil, nil
	}
	id.Verified = verified != nil
	id.SecondFactor = secondFactor != nil
	// Only a session without a second factor can be stopped for want of
	// one, so only then is it worth asking whether it must have one.
	if id.Privileged = id.Admin; !id.SecondFactor && !id.Admin {
		if id.Privileged, err = s.privileged(ctx, s.DB.Q(), id.UserID, false); err != nil {
			return nil, err
		}
	}
	id.SessionHash = hash
	if err := loadMemberships(ctx, s.DB.Q(), id); err != nil {
		return nil, err
	}
	s.identities.put(hash, e)
	return &e, nil
}

// privileged reports whether a user must use two-factor sign-in: platform
// admins and whoever a Privileged hook names.
func (s *Service) privileged(ctx context.Context, q db.Querier, userID int64, admin bool) (bool, error) {
	if admin {
		return true, nil
	}
	for _, p := range s.Privileged {
		if ok, err := p(ctx, q, userID); ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// loadMemberships fills in the identity's roles per organisation, and
// whether it is a commissioner (a member of a public-sector organisation).
func loadMemberships(ctx context.Context, q db.Querier, id *web.Identity) error {
	rows, err := q.QueryContext(ctx, `SELECT m.organisation_id, m.role, o.sector FROM memberships m JOIN organisations o ON o.id = m.organisation_id WHERE m.user_id = $1`, id.UserID)
	if err != nil {
		return db.Err(err, "")
	}
	defer rows.Close()
	id.Orgs = map[int64]web.Role{}
	for rows.Next() {
		var org int64
		var role, sector string
		if err := rows.Scan(&org, &role, &sector); err != nil {
			return db.Err(err, "")
		}
		rl, _ := web.ParseRole(role)
		id.Orgs[org] = rl
		if sector == "public" {
			id.Commissioner = true
		}
	}
	return db.Err(rows.Err(), "")
}

// ResolveOrg implements web.Auth: {org} path values are organisation slugs.
func (s *Service) ResolveOrg(ctx context.Context, key string) (int64, error) {
	var id int64
	err := db.Err(s.q().QueryRowContext(ctx, `SELECT id FROM organisations WHERE slug = $1`, key).Scan(&id), "organisation")
	if apperr.Is(err, apperr.ENOTFOUND) {
		// Exactly the answer a non-member gets for an organisation that
		// exists, so slugs cannot be probed.
		return 0, web.ErrNotFound()
	}
	return id, err
}
