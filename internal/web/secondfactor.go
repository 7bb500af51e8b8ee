package web

import (
	"net/http"
	"net/url"
	"strings"

	"partnerhub/internal/apperr"
)

// Two-factor sign-in is required of privileged people (platform admins and
// appointed assessors, Identity.Privileged) in one place: here. Every route
// of the admin area (the Admin policy, or a path under /admin) and every
// route registered with RequireSecondFactor sends a privileged person whose
// session has not proved a second factor to SecondFactorPath, which asks for
// a code or, for someone not yet enrolled, sets two-factor sign-in up.
// API tokens are not sessions and are not asked.

// SecondFactorPath is where a privileged session proves its second factor.
const SecondFactorPath = "/signin/two-factor"

// RequireSecondFactor marks route paths (as written in the route table,
// such as /assessments/{id}/review) that privileged people may use only
// after a second factor, like the admin area.
func (s *Server) RequireSecondFactor(paths ...string) {
	if s.strong == nil {
		s.strong = map[string]bool{}
	}
	for _, p := range paths {
		s.strong[p] = true
	}
}

// NeedsSecondFactor reports whether the route is one privileged people
// reach only after a second factor.
func (s *Server) NeedsSecondFactor(rt Route) bool {
	return rt.Policy.kind == kindAdmin || rt.Path == "/admin" || strings.HasPrefix(rt.Path, "/admin/") || s.strong[rt.Path]
}

var errSecondFactor = apperr.Errorf(apperr.EFORBIDDEN, "Sign in with two-factor authentication to use this page.")

// secondFactorGate answers (done) a privileged session without a second
// factor asking for a route that needs one.
func (s *Server) secondFactorGate(w http.ResponseWriter, r *http.Request, rt Route, id *Identity) (bool, error) {
	if id == nil || !id.Privileged || id.SecondFactor || id.Token != "" || !s.NeedsSecondFactor(rt) {
		return false, nil
	}
	if strings.HasPrefix(r.URL.Path, "/api/") || WantsJSON(r) {
		return true, errSecondFactor
	}
	target := SecondFactorPath
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		// A form sent without the second factor is not sent again: the
		// person comes back to the page after proving it.
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return true, nil
}
