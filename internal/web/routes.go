package web

import (
	"context"

	"fmt"
	"net/http"
	"net/url"
	"partnerhub/internal/apperr"
	"strings"
)

// Role is an organisation membership role, ordered by power.
type Role int

const (
	RoleNone Role = iota
	RoleViewer
	RoleEditor
	RoleOwner
)

func (r Role) String() string {
	switch r {
	case RoleViewer:
		return "viewer"
	case RoleEditor:
		return "editor"
	case RoleOwner:
		return "owner"
	}
	return ""
}

// ParseRole turns "owner", "editor", "viewer" into a Role.
func ParseRole(s string) (Role, bool) {
	switch s {
	case "owner":
		return RoleOwner, true
	case "editor":
		return RoleEditor, true
	case "viewer":
		return RoleViewer, true
	}
	return RoleNone, false
}

// Identity is who is asking. Nil means the anonymous public.
type Identity struct {
	UserID       int64
	Name         string
	Email        string
	Admin        bool
	Verified     bool
	Commissioner bool           // a member of a public-sector organisation
	Orgs         map[int64]Role // organisation id -> role
	SessionHash  string
	// Token is the name of the personal API token the caller sent ("" for a
	// session sign-in). Tokens identify callers on /api/ paths only.
	Token string
	// SecondFactor: this session proved a second factor (a code from an
	// authenticator app, a recovery code or a remembered device).
	SecondFactor bool
	// Privileged: a platform admin or an appointed assessor, who must have
	// proved a second factor in this session to use the admin area and the
	// assessors' routes (Server.secondFactorGate).
	Privileged bool
}

// RoleIn returns the identity's role in an organisation.
func (id *Identity) RoleIn(org int64) Role {
	if id == nil {
		return RoleNone
	}
	return id.Orgs[org]
}

// Can reports whether the identity may act in org with at least min role.
// Platform admins may act in every organisation.
func (id *Identity) Can(org int64, min Role) bool {
	if id == nil {
		return false
	}
	return id.Admin || id.Orgs[org] >= min
}

type policyKind int

const (
	kindUnset policyKind = iota
	kindPublic
	kindSignedIn
	kindOrgRole
	kindCommissioner
	kindAdmin
	kindObject
)

// Policy is the access rule a route declares. The zero Policy is invalid:
// a route without a policy makes the route table fail to build.
type Policy struct {
	kind  policyKind
	role  Role
	param string
}

// Policies.
var (
	Public       = Policy{kind: kindPublic}
	SignedIn     = Policy{kind: kindSignedIn}
	Commissioner = Policy{kind: kindCommissioner}
	Admin        = Policy{kind: kindAdmin}
)

// OrgRole requires at least min role in the organisation named by the
// path value {org}. Another organisation's object answers 404.
func OrgRole(min Role) Policy { return Policy{kind: kindOrgRole, role: min, param: "org"} }

// OrgRoleParam is OrgRole with a different path value name.
func OrgRoleParam(min Role, param string) Policy {
	return Policy{kind: kindOrgRole, role: min, param: param}
}

func (p Policy) String() string {
	switch p.kind {
	case kindPublic:
		return "public"
	case kindSignedIn:
		return "signed-in"
	case kindOrgRole:
		return "org:" + p.role.String()
	case kindCommissioner:
		return "commissioner"
	case kindAdmin:
		return "admin"
	case kindObject:
		return p.param + ":" + p.role.String()
	}
	return "unset"
}

// IsPublic reports whether anyone may call the route.
func (p Policy) IsPublic() bool { return p.kind == kindPublic }

// HandlerFunc is a handler that returns an error for the server to render.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Route is one row of the route table.
type Route struct {
	Method  string // GET, POST, ...
	Path    string // net/http pattern path, e.g. /orgs/{org}/members
	Policy  Policy
	Handler HandlerFunc
}

// Pattern is the ServeMux pattern of the route.
func (rt Route) Pattern() string { return rt.Method + " " + rt.Path }

// Auth identifies callers and resolves organisation keys. The accounts
// feature provides it.
type Auth interface {
	// Identify returns the signed-in identity or nil for anonymous callers
	// (including disabled users and expired sessions).
	Identify(r *http.Request) (*Identity, error)
	// ResolveOrg turns the {org} path value into an organisation id, or
	// returns an apperr ENOTFOUND error.
	ResolveOrg(ctx context.Context, key string) (int64, error)
}

type ctxKey int

const (
	identityKey ctxKey = iota
	orgKey
	requestIDKey
	nonceKey
)

// IdentityFrom returns the caller, or nil.
func IdentityFrom(ctx context.Context) *Identity {
	id, _ := ctx.Value(identityKey).(*Identity)
	return id
}

// OrgFrom returns the organisation id resolved by an OrgRole policy.
func OrgFrom(ctx context.Context) int64 {
	id, _ := ctx.Value(orgKey).(int64)
	return id
}

// WithIdentity returns ctx carrying id (for tests and jobs).
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey, id)
}

// RequestID returns the correlation id of the request.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// Nonce returns the CSP nonce of the request.
func Nonce(ctx context.Context) string {
	s, _ := ctx.Value(nonceKey).(string)
	return s
}

// checkRoutes validates a route table: every route has a method, a path,
// a handler and a policy, and no pattern appears twice.
func checkRoutes(routes []Route) error {
	seen := map[string]bool{}
	for _, rt := range routes {
		if rt.Policy.kind == kindUnset {
			return fmt.Errorf("route %s has no access policy", rt.Pattern())
		}
		if rt.Method == "" || !strings.HasPrefix(rt.Path, "/") || rt.Handler == nil {
			return fmt.Errorf("route %q is incomplete", rt.Pattern())
		}
		if rt.Policy.kind == kindOrgRole && !strings.Contains(rt.Path, "{"+rt.Policy.param+"}") {
			return fmt.Errorf("route %s has an organisation policy but no {%s} in its path", rt.Pattern(), rt.Policy.param)
		}
		if seen[rt.Pattern()] {
			return fmt.Errorf("route %s is declared twice", rt.Pattern())
		}
		seen[rt.Pattern()] = true
	}
	return nil
}

// authorize applies the route's policy. It returns the request to pass on,
// or writes the refusal and returns nil.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, p Policy) (*http.Request, error) {
	id := IdentityFrom(r.Context())
	needSignIn := func() error {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			return errNoToken
		}
		if WantsJSON(r) {
			return errUnauthorized
		}
		http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return nil
	}
	switch p.kind {
	case kindPublic:
		return r, nil
	case kindSignedIn:
		if id == nil {
			return nil, needSignIn()
		}
		return r, nil
	case kindAdmin:
		if id == nil {
			return nil, needSignIn()
		}
		if !id.Admin {
			return nil, errForbidden
		}
		return r, nil
	case kindCommissioner:
		if id == nil {
			return nil, needSignIn()
		}
		if !id.Admin && !id.Commissioner {
			return nil, errForbidden
		}
		return r, nil
	case kindOrgRole:
		if id == nil {
			return nil, needSignIn()
		}
		org, err := s.Auth.ResolveOrg(r.Context(), r.PathValue(p.param))
		if apperr.Is(err, apperr.ENOTFOUND) {
			return nil, errNotFound // the same answer as another organisation's
		}
		if err != nil {
			return nil, err
		}
		role := id.RoleIn(org)
		if !id.Admin {
			if role == RoleNone {
				return nil, errNotFound // another organisation's object looks missing
			}
			if role < p.role {
				return nil, errForbidden
			}
		}
		return r.WithContext(context.WithValue(r.Context(), orgKey, org)), nil
	case kindObject:
		if id == nil {
			return nil, needSignIn()
		}
		return s.authorizeObject(r, p, id)
	}
	return nil, errForbidden
}

// Get declares a GET route.
func Get(path string, p Policy, h HandlerFunc) Route { return Route{"GET", path, p, h} }

// Post declares a POST route.
func Post(path string, p Policy, h HandlerFunc) Route { return Route{"POST", path, p, h} }

// Put declares a PUT route.
func Put(path string, p Policy, h HandlerFunc) Route { return Route{"PUT", path, p, h} }

// Delete declares a DELETE route.
func Delete(path string, p Policy, h HandlerFunc) Route { return Route{"DELETE", path, p, h} }
