package assess

import (
	"net/http"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
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

// The health-check rounds of a partnership (/health-checks/{rid}/…): the
// members of its current member organisations may see a round and answer
// it (seeRound); editors and owners of its current lead organisation may
// close it (leadRound), and the other members are told so. Anyone else,
// including people whose organisation has left, gets 404.
var (
	seeRound  = web.ObjectRole("health-check", web.RoleViewer)
	leadRound = web.ObjectRole("health-check-lead", web.RoleEditor)
)

func (s *Service) registerResolvers() {
	if s.Web != nil {
		s.Web.Resolve("assessment", s.resolveAssessment)
		s.Web.Resolve("health-check", s.resolveRound(false))
		s.Web.Resolve("health-check-lead", s.resolveRound(true))
	}
}

// roundView is a health-check round with its framework version.
type roundView struct {
	R  *Round
	FW *FrameworkRow
}

// resolveRound is the resolver of the round {rid}: owned by the
// partnership's current member organisations or, for lead, by its current
// lead organisations (and seen by the members).
func (s *Service) resolveRound(lead bool) web.Resolver {
	return func(r *http.Request) (*web.Object, error) {
		rid, err := web.PathID(r, "rid", "health check")
		if err != nil {
			return nil, err
		}
		ctx, q := r.Context(), s.DB.Q()
		round, err := RoundByID(ctx, q, rid)
		if err != nil {
			return nil, err
		}
		fw, err := FrameworkByID(ctx, q, round.FrameworkID)
		if err != nil {
			return nil, err
		}
		members, err := subjectOrgs(ctx, q, "partnership", round.PartnershipID)
		if err != nil {
			return nil, err
		}
		o := &web.Object{Value: &roundView{R: round, FW: fw}, Owners: members}
		if lead {
			leads, err := db.Column[int64](ctx, q, `SELECT organisation_id FROM partnership_members WHERE partnership_id = $1 AND role = 'lead' AND left_on IS NULL`, round.PartnershipID)
			if err != nil {
				return nil, err
			}
			o.Owners, o.Seers = leads, members
			o.Refusal = "Only the partnership's lead organisation can close a health check"
		}
		return o, nil
	}
}

func (s *Service) resolveAssessment(r *http.Request) (*web.Object, error) {
	id, err := web.PathID(r, "id", "assessment")
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
