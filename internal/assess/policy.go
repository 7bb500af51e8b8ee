package assess

import (
	"net/http"

	"partnerhub/internal/apperr"
	"partnerhub/internal/web"
)

// The object-level policy of the /assessments/{id}/… routes: they declare
// seeAssessment in the route table, and resolveAssessment says what role
// the caller holds on the assessment named by {id} (AccessFor): its lead
// (the contributor who started it, or an owner of the subject) is owner,
// other contributors are editors, its reviewer a viewer. Anyone else gets
// the same 404 as for a missing assessment. What each role may do there
// (change it while it is open, review it, withdraw it) is the handlers'
// business, as it depends on the assessment's state.

// seeAssessment lets through those who may see the assessment.
var seeAssessment = web.ObjectRole("assessment", web.RoleViewer)

func (s *Service) registerResolvers() {
	if s.Web != nil {
		s.Web.Resolve("assessment", s.resolveAssessment)
	}
}

func (s *Service) resolveAssessment(r *http.Request) (*web.Object, error) {
	id, err := pathID(r, "id", "assessment")
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	a, err := AssessmentByID(ctx, s.DB.Q(), id)
	if err != nil {
		return nil, err
	}
	fw, err := FrameworkByID(ctx, s.DB.Q(), a.FrameworkID)
	if err != nil {
		return nil, err
	}
	caller := web.IdentityFrom(ctx)
	ac, err := AccessFor(ctx, s.DB.Q(), a, caller)
	if err != nil && !apperr.Is(err, apperr.ENOTFOUND) {
		return nil, err
	}
	role := web.RoleNone
	switch {
	case ac.Lead:
		role = web.RoleOwner
	case ac.Contributor:
		role = web.RoleEditor
	case ac.Reviewer:
		role = web.RoleViewer
	}
	o := &web.Object{Value: &view{A: a, FW: fw, Ac: ac}}
	if caller != nil && role != web.RoleNone {
		o.Users = map[int64]web.Role{caller.UserID: role}
	}
	return o, nil
}
