package directory

import (
	"context"
	"net/http"
	"strconv"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// The shortlist pages. An editor or owner adds an organisation to one of
// their organisations' shortlists with a POST button on each partner-finder
// result and on the organisation's profile (POST /shortlist, back to the
// page it came from with a flash; no JavaScript). The organisation's
// members see its shortlist at /orgs/{org}/shortlist (HTML, CSV, JSON);
// its editors remove entries after a confirmation page, under the
// object policy "shortlist-entry" (editor on the shortlist's organisation;
// another organisation's entry looks missing).

func (s *Service) shortlistRoutes() []web.Route {
	entry := web.ObjectRole("shortlist-entry", web.RoleEditor)
	return []web.Route{
		web.Get("/orgs/{org}/shortlist", web.OrgRole(web.RoleViewer), s.shortlistPage),
		web.Post("/shortlist", web.SignedIn, s.shortlistAdd),
		web.Get("/orgs/{org}/shortlist/{id}/remove", entry, s.shortlistRemoveConfirm),
		web.Post("/orgs/{org}/shortlist/{id}/remove", entry, s.shortlistRemove),
	}
}

// resolveShortlistEntry reads entry {id} of the shortlist of {org}: its
// organisation's members hold their role there on it.
func (s *Service) resolveShortlistEntry(r *http.Request) (*web.Object, error) {
	ctx := r.Context()
	org, err := accounts.OrgBySlug(ctx, s.DB.Q(), r.PathValue("org"))
	if err != nil {
		return nil, err
	}
	id, err := web.PathID(r, "id", "shortlist entry")
	if err != nil {
		return nil, err
	}
	e, err := ShortlistEntryByID(ctx, s.DB.Q(), org.ID, id)
	if err != nil {
		return nil, err
	}
	return &web.Object{Value: shortlisted{Org: org, Entry: e}, Owners: []int64{org.ID}}, nil
}

// shortlisted is a shortlist entry with the organisation whose it is.
type shortlisted struct {
	Org   *accounts.Organisation
	Entry *ShortlistEntry
}

func (s *Service) shortlistPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	base := s.Web.Config.BaseURL + "/directory/"
	return web.ServeList(s.Web, w, r, web.List[ShortlistEntry]{
		Name: org.Slug + "-shortlist", PerPage: 25,
		Fetch: func(ctx context.Context, limit, offset int) ([]ShortlistEntry, int, error) {
			return Shortlist(ctx, s.DB.Q(), org.ID, limit, offset)
		},
		Columns: []web.Column[ShortlistEntry]{
			{Header: "name", Cell: func(e ShortlistEntry) string { return e.CandidateName }},
			{Header: "sector", Cell: func(e ShortlistEntry) string { return accounts.Label(e.Sector) }},
			{Header: "note", Cell: func(e ShortlistEntry) string { return e.Note }},
			{Header: "added_by", Cell: func(e ShortlistEntry) string { return e.AddedBy }},
			{Header: "added_on", Cell: func(e ShortlistEntry) string { return e.CreatedAt.Format("2006-01-02") }},
			{Header: "url", Cell: func(e ShortlistEntry) string { return base + e.CandidateSlug }},
		},
		Item: func(e ShortlistEntry) any {
			return map[string]any{"name": e.CandidateName, "slug": e.CandidateSlug, "sector": e.Sector, "note": e.Note,
				"added_by": e.AddedBy, "added_on": e.CreatedAt.Format("2006-01-02"), "url": base + e.CandidateSlug}
		},
		Render: func(p web.ListPage[ShortlistEntry]) error {
			return s.Web.Render(w, r, http.StatusOK, "directory/shortlist.html", shortlistView{
				View:    web.View{Title: org.Name + ": shortlist"},
				Org:     org,
				Entries: p.Items,
				Total:   p.Total,
				Pager:   p.PagerData(r),
				CanEdit: web.IdentityFrom(ctx).Can(org.ID, web.RoleEditor),
				CSV:     p.CSVURL,
				JSONURL: p.JSONURL,
				Back:    r.URL.RequestURI(),
			})
		},
	})
}

func (s *Service) shortlistAdd(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	p, err := VisibleProfile(ctx, s.DB.Q(), r.PostForm.Get("candidate"))
	if err != nil {
		return err
	}
	orgs := accounts.EditableOrgs(r, s.DB.Q(), p.ID) // whose shortlist: not its own
	if len(orgs) == 0 {
		return apperr.Errorf(apperr.EFORBIDDEN, "Only the editors and owners of an organisation can add to its shortlist.")
	}
	var org *accounts.OrgWithRole
	raw := r.PostForm.Get("org")
	if raw == "" && len(orgs) == 1 {
		org = &orgs[0]
	}
	for i := range orgs {
		if strconv.FormatInt(orgs[i].ID, 10) == raw {
			org = &orgs[i]
		}
	}
	note := clean.Text(r.PostForm.Get("note"))
	back := web.SafeNext(r.PostForm.Get("back"), "/directory/"+p.Slug)
	var v apperr.Validation
	v.Check(org != nil, "org", "Choose whose shortlist to add "+p.Name+" to")
	checkLen(&v, "note", "The note", note, maxShortlistNote)
	if err := v.Err(); err != nil {
		return s.Web.Render(w, r, http.StatusUnprocessableEntity, "directory/shortlist_add.html", shortlistAddView{
			View: web.View{Title: "Add " + p.Name + " to a shortlist", Form: r.PostForm, Err: err},
			P:    p,
			Orgs: orgs,
			Back: back,
		})
	}
	var added bool
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		if added, err = AddToShortlist(ctx, tx, org.ID, p.ID, note, web.IdentityFrom(ctx).UserID); err != nil {
			return err
		}
		switch {
		case added:
			return audit.Record(ctx, tx, org.ID, "shortlist.add", "organisation", p.ID, p.Name)
		case note != "":
			return audit.Record(ctx, tx, org.ID, "shortlist.note", "organisation", p.ID, p.Name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	flash := p.Name + " is on " + org.Name + "'s shortlist."
	switch {
	case !added && note != "":
		flash = p.Name + " was already on " + org.Name + "'s shortlist: its note is changed."
	case !added:
		flash = p.Name + " was already on " + org.Name + "'s shortlist."
	}
	return web.Redirect(w, r, back, flash)
}

func (s *Service) shortlistRemoveConfirm(w http.ResponseWriter, r *http.Request) error {
	x := web.ObjectFrom(r.Context()).(shortlisted)
	return s.Web.Confirm(w, r, web.Confirm{
		Title: "Remove " + x.Entry.CandidateName + " from the shortlist", Caption: x.Org.Name,
		Question: "Are you sure you want to remove " + x.Entry.CandidateName + " from " + x.Org.Name + "'s shortlist?",
		Detail:   "Its note goes with it. You can add it again from its profile or the partner finder.",
		Button:   "Remove from shortlist", Back: "/orgs/" + x.Org.Slug + "/shortlist"})
}

func (s *Service) shortlistRemove(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	x := web.ObjectFrom(ctx).(shortlisted)
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := RemoveFromShortlist(ctx, tx, x.Org.ID, x.Entry.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, x.Org.ID, "shortlist.remove", "organisation", x.Entry.CandidateID, x.Entry.CandidateName)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/orgs/"+x.Org.Slug+"/shortlist", x.Entry.CandidateName+" is off the shortlist.")
}

// shortlistData adds the profile page's "Add to shortlist" form (the
// caller's organisations that may shortlist p) and the shortlists of
// theirs that hold it already.
func (s *Service) shortlistData(r *http.Request, p *Profile, data *orgView) error {
	orgs := accounts.EditableOrgs(r, s.DB.Q(), p.ID)
	data.Shortlist, data.Back = orgs, "/directory/"+p.Slug
	ids := make([]int64, len(orgs))
	for i, o := range orgs {
		ids[i] = o.ID
	}
	on, err := ShortlistedBy(r.Context(), s.DB.Q(), s.DB.Dialect, p.ID, ids)
	if err != nil {
		return err
	}
	var holders []accounts.OrgWithRole
	for _, o := range orgs {
		if on[o.ID] {
			holders = append(holders, o)
		}
	}
	data.OnShortlists = holders
	return nil
}

// shortlistOffers are, for each finder match, the caller's organisations
// that may shortlist it (never the match itself).
func shortlistOffers(r *http.Request, q db.Querier, ms []Match) map[int64][]accounts.OrgWithRole {
	mine := accounts.EditableOrgs(r, q)
	out := map[int64][]accounts.OrgWithRole{}
	if len(mine) == 0 {
		return out
	}
	for _, m := range ms {
		for _, o := range mine {
			if o.ID != m.Org.ID {
				out[m.Org.ID] = append(out[m.Org.ID], o)
			}
		}
	}
	return out
}
