package accounts

import (
	"net/http"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

func orgRoutes(s *Service) []web.Route {
	return []web.Route{
		web.Get("/orgs", web.SignedIn, s.orgsPage),
		web.Get("/orgs/new", web.SignedIn, s.newOrgForm),
		web.Post("/orgs/new", web.SignedIn, s.createOrg),
		s.Web.Cached(web.Get("/orgs/{org}", web.OrgRole(web.RoleViewer), s.orgHome)),
	}
}

func (s *Service) orgsPage(w http.ResponseWriter, r *http.Request) error {
	id := web.IdentityFrom(r.Context())
	orgs, err := OrgsForUser(r.Context(), s.DB.Q(), id.UserID)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "accounts/orgs.html", orgsView{View: web.View{Title: "Your organisations"}, Orgs: orgs})
}

// sectorsFor lists the sectors a user may choose when adding an organisation.
func sectorsFor(id *web.Identity) []any {
	var out []any
	for _, sec := range Sectors {
		if sec == "public" && !id.Admin {
			continue
		}
		out = append(out, sec)
	}
	return out
}

func legalFormOptions() []any {
	out := make([]any, len(LegalForms))
	for i, f := range LegalForms {
		out[i] = f
	}
	return out
}

var errUnverifiedOrg = apperr.Errorf(apperr.EFORBIDDEN, "Confirm your email address before you add an organisation.")

func (s *Service) renderNewOrg(w http.ResponseWriter, r *http.Request, status int, err error) error {
	id := web.IdentityFrom(r.Context())
	return s.Web.Render(w, r, status, "accounts/org-new.html", orgNewView{View: web.View{Title: "Add an organisation", Form: r.PostForm, Err: err},
		Sectors: sectorsFor(id), LegalForms: legalFormOptions(), Unverified: !id.Verified})
}

func (s *Service) newOrgForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderNewOrg(w, r, 200, nil)
}

func (s *Service) createOrg(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id := web.IdentityFrom(r.Context())
	ctx := r.Context()
	if !id.Verified {
		return s.renderNewOrg(w, r, http.StatusForbidden, errUnverifiedOrg)
	}
	o := &Organisation{Name: r.PostForm.Get("name"), Sector: r.PostForm.Get("sector"), LegalForm: r.PostForm.Get("legal_form")}
	if err := ValidateOrg(o); err != nil {
		return s.renderNewOrg(w, r, http.StatusUnprocessableEntity, err)
	}
	if o.Sector == "public" && !id.Admin {
		err := fieldErr(apperr.EFORBIDDEN, "sector", "Only Partnerhub administrators can add a public-sector organisation. Ask the Partnerhub team to add it and invite you to it.")
		return s.renderNewOrg(w, r, http.StatusForbidden, err)
	}
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		return InsertOrg(ctx, tx, o, id.UserID)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+o.Slug, o.Name+" has been added. You are its owner.")
}

func (s *Service) orgHome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	org, members, err := OrgWithMembers(ctx, s.q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	role := id.RoleIn(org.ID)
	var panels []*OrgPanel
	for _, f := range s.OrgPanels {
		p, err := f(ctx, org, role)
		if err != nil {
			return err
		}
		if p != nil {
			panels = append(panels, p)
		}
	}
	return s.Web.Render(w, r, 200, "accounts/org.html", orgView{View: web.View{Title: org.Name}, Org: org, Role: role.String(),
		Members: members, CanManage: id.Can(org.ID, web.RoleOwner), Panels: panels})
}
