package web

import (
	"context"
	"fmt"
	"net/http"

	"partnerhub/internal/apperr"
)

// Object-level policies. A route that acts on one object (a partnership, an
// organisation through the API ...) declares ObjectRole(kind, min): the
// caller needs at least min role on the object. The feature that owns the
// kind registers a Resolver (Server.Resolve) that reads the object named by
// the request's path values and says who holds roles on it: the members of
// its owning organisations (with their role there) and people with a role
// of their own. The decision is made here, in one place, for every kind:
//
//   - anonymous: sign in (401 on /api/);
//   - a missing object: 404;
//   - a platform admin, or a role on the object of at least min: allowed,
//     with the object in the request's context (ObjectFrom); a personal
//     object (Object.Personal) gives admins no role of their own;
//   - someone who may know the object exists (Object.Shown, or any role on
//     it, or a member of one of its Seers; nobody when Object.Private):
//     403 with Object.Refusal;
//   - anyone else: 404, exactly like a missing object.

// Object is what a Resolver says about the object a request names.
type Object struct {
	Value  any            // handed to the handler (ObjectFrom)
	Owners []int64        // organisations whose members act on it with their role there
	Users  map[int64]Role // people with a role of their own on it, by user id
	Seers  []int64        // organisations whose members (any role) may know it exists
	Shown  bool           // anyone may know it exists: a refusal is a 403, not a 404
	// Private: only those with the role may know it exists; every refusal,
	// even to a member with a lesser role, is a 404.
	Private bool
	// Refusal is the message of the 403; empty gives the standard one.
	Refusal string
	// Personal: the object belongs to people (a booking, a meeting a buyer
	// offered), so a platform admin holds no role on it of their own: only
	// the role of an owning organisation, where admins act as in any
	// organisation (Identity.Can), and the roles Users gives them.
	Personal bool
}

// Resolver reads the object a request names. A missing object is an
// apperr ENOTFOUND error.
type Resolver func(r *http.Request) (*Object, error)

// ObjectRole requires at least min role on the object of the given kind
// named by the request, as the kind's Resolver says.
func ObjectRole(kind string, min Role) Policy {
	return Policy{kind: kindObject, role: min, param: kind}
}

// Resolve registers the resolver of an object kind. Handler fails when a
// route names a kind without one.
func (s *Server) Resolve(kind string, fn Resolver) {
	if s.resolvers == nil {
		s.resolvers = map[string]Resolver{}
	}
	s.resolvers[kind] = fn
}

type objectKey struct{}

// ObjectFrom returns the object resolved by an ObjectRole policy.
func ObjectFrom(ctx context.Context) any { return ctx.Value(objectKey{}) }

// RoleOn is the identity's role on the object: the highest of its roles in
// the owning organisations and its own.
func (o *Object) RoleOn(id *Identity) Role {
	if id == nil {
		return RoleNone
	}
	best := o.Users[id.UserID]
	for _, org := range o.Owners {
		best = max(best, id.RoleIn(org))
	}
	return best
}

// admits reports whether the identity holds at least min role on the
// object: a platform admin does, except on a personal object that no
// organisation owns.
func (o *Object) admits(id *Identity, min Role) bool {
	if id.Admin && (!o.Personal || len(o.Owners) > 0) {
		return true
	}
	return o.RoleOn(id) >= min
}

// seenBy reports whether the identity may know the object exists.
func (o *Object) seenBy(id *Identity) bool {
	if o.Private {
		return false
	}
	if o.Shown || o.RoleOn(id) != RoleNone {
		return true
	}
	for _, org := range o.Seers {
		if id.RoleIn(org) != RoleNone {
			return true
		}
	}
	return false
}

// authorizeObject applies an ObjectRole policy for a signed-in caller.
func (s *Server) authorizeObject(r *http.Request, p Policy, id *Identity) (*http.Request, error) {
	resolve, ok := s.resolvers[p.param]
	if !ok {
		return nil, fmt.Errorf("no resolver for objects of kind %q", p.param)
	}
	o, err := resolve(r)
	if apperr.Is(err, apperr.ENOTFOUND) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	if !o.admits(id, p.role) {
		if !o.seenBy(id) {
			return nil, errNotFound // another organisation's object looks missing
		}
		if o.Refusal != "" {
			return nil, apperr.Errorf(apperr.EFORBIDDEN, "%s", o.Refusal)
		}
		return nil, errForbidden
	}
	return r.WithContext(context.WithValue(r.Context(), objectKey{}, o.Value)), nil
}

// checkResolvers fails when a route names an object kind nobody resolves.
func (s *Server) checkResolvers(routes []Route) error {
	for _, rt := range routes {
		if rt.Policy.kind == kindObject && s.resolvers[rt.Policy.param] == nil {
			return fmt.Errorf("route %s has an object policy for %q but no resolver is registered for it", rt.Pattern(), rt.Policy.param)
		}
	}
	return nil
}
