package partnerships

import (
	"net/http"

	"partnerhub/internal/apperr"
	"partnerhub/internal/web"
)

// The object-level policy of the routes that change a partnership: they
// declare web.ObjectRole("partnership", web.RoleEditor) in the route table,
// and resolvePartnership says who holds roles on the partnership named by
// {slug}: the members of its lead organisations. Everyone who may see the
// partnership (a public one, or members of any member organisation) is
// refused with 403; anyone else gets 404, as for a missing one.

// An organisation's response to a "looking for partners" post
// (/looking-for-partners/{id}/responses/{rid}/…) is withdrawn by the
// editors and owners of the responding organisation: ObjectRole
// ("post-response", editor), private, so everyone else (its viewers too)
// gets 404.

func (s *Service) registerResolvers() {
	if s.Web != nil {
		s.Web.Resolve("partnership", s.resolvePartnership)
		s.Web.Resolve("post-response", s.resolveResponse)
		s.Web.Resolve("partnership-invitation", s.resolveInvitation)
	}
}

// postResponse is a response with its post.
type postResponse struct {
	P *PartnerPost
	R *PostResponse
}

func (s *Service) resolveResponse(r *http.Request) (*web.Object, error) {
	p, err := s.loadPost(r)
	if err != nil {
		return nil, err
	}
	rid, err := web.PathID(r, "rid", "response")
	if err != nil {
		return nil, err
	}
	rs, err := ResponsesFor(r.Context(), s.DB.Q(), p.ID)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		if rs[i].ID == rid {
			return &web.Object{Value: &postResponse{P: p, R: &rs[i]}, Owners: []int64{rs[i].OrgID}, Private: true}, nil
		}
	}
	return nil, apperr.NotFound("response")
}

func (s *Service) resolvePartnership(r *http.Request) (*web.Object, error) {
	p, err := BySlug(r.Context(), s.DB.Q(), r.PathValue("slug"))
	if err != nil {
		return nil, err
	}
	return partnershipObject(p), nil
}

// partnershipObject is what the policy needs to know of a partnership.
func partnershipObject(p *Partnership) *web.Object {
	o := &web.Object{Value: p, Owners: managingOrgs(p), Shown: p.Visibility == "public",
		Refusal: "Only the lead organisation's editors can change this partnership."}
	for org := range p.MemberOrgs() {
		o.Seers = append(o.Seers, org)
	}
	return o
}

// managingOrgs are the current lead organisations or, when every lead has
// left, every organisation that was lead.
func managingOrgs(p *Partnership) []int64 {
	if leads := p.LeadOrgs(); len(leads) > 0 {
		return leads
	}
	var leads []int64
	for _, m := range p.Members {
		if m.Role == "lead" {
			leads = append(leads, m.OrgID)
		}
	}
	return leads
}

// managed is the partnership of a route with the "partnership" policy.
func managed(r *http.Request) *Partnership {
	return web.ObjectFrom(r.Context()).(*Partnership)
}
