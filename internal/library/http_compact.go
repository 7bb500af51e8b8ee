package library

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// ownedOrg is an organisation the signed-in person owns, with what it signed.
type ownedOrg struct {
	ID     int64
	Slug   string
	Name   string
	Signed int
}

func (s *Service) compact(w http.ResponseWriter, r *http.Request) error {
	return s.renderCompact(w, r, http.StatusOK, nil, nil)
}

func (s *Service) renderCompact(w http.ResponseWriter, r *http.Request, status int, form url.Values, err error) error {
	ctx := r.Context()
	c, e := DocumentByKind(ctx, s.DB.Q(), "code")
	if apperr.Code(e) == apperr.ENOTFOUND {
		return s.Web.Render(w, r, http.StatusOK, "library/compact.html", compactView{View: web.View{Title: "The Compact"}})
	}
	if e != nil {
		return e
	}
	cur := c.InForce(today())
	var secs []Section
	if cur != nil {
		secs = ParseCompact(cur.Body)
	}
	_, total, e := signatures(ctx, s.DB.Q(), 1, 0, "")
	if e != nil {
		return e
	}
	var mine []ownedOrg
	if id := web.IdentityFrom(ctx); id != nil {
		var ids []int64
		for o, role := range id.Orgs {
			if role == web.RoleOwner {
				ids = append(ids, o)
			}
		}
		orgs, e := orgsByID(ctx, s.DB.Q(), ids)
		if e != nil {
			return e
		}
		signed, e := signedVersions(ctx, s.DB.Q(), ids)
		if e != nil {
			return e
		}
		for _, o := range orgs {
			mine = append(mine, ownedOrg{ID: o.ID, Slug: o.Slug, Name: o.Name, Signed: signed[o.ID]})
		}
	}
	return s.Web.Render(w, r, status, "library/compact.html", compactView{
		View:        web.View{Title: "The Compact", Description: "The Blackpool Compact: numbered commitments between the public sector and the third sector, its signatories and how concerns are resolved.", Form: form, Err: err},
		Doc:         c,
		Current:     cur,
		Sections:    secs,
		Signatories: total,
		Mine:        mine,
		Today:       today(),
	})
}

func (s *Service) signatories(w http.ResponseWriter, r *http.Request) error {
	search := clean.Line(r.URL.Query().Get("q"))
	return web.ServeList(s.Web, w, r, web.List[Signature]{
		Name: "compact-signatories",
		Fetch: func(ctx context.Context, limit, offset int) ([]Signature, int, error) {
			return signatures(ctx, s.DB.Q(), limit, offset, search)
		},
		Columns: []web.Column[Signature]{
			{Header: "Organisation", Cell: func(x Signature) string { return x.OrgName }},
			{Header: "Sector", Cell: func(x Signature) string { return web.Label(x.Sector) }},
			{Header: "First signed", Cell: func(x Signature) string { return x.FirstOn.Format(time.DateOnly) }},
			{Header: "Version signed", Cell: func(x Signature) string { return strconv.Itoa(x.Version) }},
			{Header: "Signed on", Cell: func(x Signature) string { return x.SignedOn.Format(time.DateOnly) }},
		},
		Item: func(x Signature) any {
			return map[string]any{"organisation": x.OrgName, "slug": x.OrgSlug, "sector": x.Sector, "first_signed_on": x.FirstOn.Format(time.DateOnly), "version": x.Version, "signed_on": x.SignedOn.Format(time.DateOnly)}
		},
		Render: func(p web.ListPage[Signature]) error {
			return s.Web.Render(w, r, http.StatusOK, "library/signatories.html", signatoriesView{
				View:  web.View{Title: "Signatories of the Compact", Form: url.Values{"q": {search}}},
				List:  p,
				Pager: p.PagerData(r),
			})
		},
	})
}

func (s *Service) sign(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	org := web.OrgFrom(r.Context())
	ver, err := s.Sign(r.Context(), org, clean.Line(r.PostForm.Get("signatory")), web.IdentityFrom(r.Context()).UserID)
	if err != nil {
		if apperr.Code(err) == apperr.EINVALID {
			f := r.PostForm
			f.Set("org", strconv.FormatInt(org, 10))
			return s.renderCompact(w, r, http.StatusUnprocessableEntity, f, err)
		}
		return err
	}
	return web.Redirect(w, r, "/compact", fmt.Sprintf("Signed: your organisation is a signatory of version %d of the Compact.", ver))
}

func (s *Service) disputes(w http.ResponseWriter, r *http.Request) error {
	id := web.IdentityFrom(r.Context())
	var orgs []int64
	for o := range id.Orgs {
		orgs = append(orgs, o)
	}
	return web.ServeList(s.Web, w, r, web.List[*Dispute]{
		Name: "compact-disputes",
		Fetch: func(ctx context.Context, limit, offset int) ([]*Dispute, int, error) {
			return disputesFor(ctx, s.DB.Q(), orgs, id.Admin, limit, offset)
		},
		Columns: []web.Column[*Dispute]{
			{Header: "Number", Cell: func(d *Dispute) string { return strconv.FormatInt(d.ID, 10) }},
			{Header: "Raised by", Cell: func(d *Dispute) string { return d.RaisedByName }},
			{Header: "About", Cell: func(d *Dispute) string { return d.AgainstName }},
			{Header: "Commitments", Cell: func(d *Dispute) string { return d.Commitments }},
			{Header: "Stage", Cell: func(d *Dispute) string { return web.Label(d.Stage) }},
			{Header: "Raised on", Cell: func(d *Dispute) string { return d.RaisedOn.Format(time.DateOnly) }},
			{Header: "Resolved on", Cell: func(d *Dispute) string { return isoDate(d.ResolvedOn) }},
		},
		Item: func(d *Dispute) any {
			return map[string]any{"id": d.ID, "raised_by": d.RaisedByName, "against": d.AgainstName, "commitments": d.Commitments, "stage": d.Stage,
				"raised_on": d.RaisedOn.Format(time.DateOnly), "resolved_on": isoDate(d.ResolvedOn), "informal": d.Informal}
		},
		Render: func(p web.ListPage[*Dispute]) error {
			mine, err := s.editableOrgs(r.Context(), id)
			if err != nil {
				return err
			}
			return s.Web.Render(w, r, http.StatusOK, "library/disputes.html", disputesView{View: web.View{Title: "Compact disputes"}, List: p, Pager: p.PagerData(r), Mine: mine})
		},
	})
}

func (s *Service) disputeForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderDisputeForm(w, r, http.StatusOK, url.Values{}, nil)
}

func (s *Service) renderDisputeForm(w http.ResponseWriter, r *http.Request, status int, form url.Values, err error) error {
	ctx := r.Context()
	org := web.OrgFrom(ctx)
	others, e := signatoryOrgs(ctx, s.DB.Q(), org)
	if e != nil {
		return e
	}
	self, e := orgsByID(ctx, s.DB.Q(), []int64{org})
	if e != nil {
		return e
	}
	var secs []Section
	if c, e := DocumentByKind(ctx, s.DB.Q(), "code"); e == nil {
		if cur := c.Shown(today()); cur != nil {
			secs = ParseCompact(cur.Body)
		}
	}
	return s.Web.Render(w, r, status, "library/dispute_form.html", disputeFormView{
		View:     web.View{Title: "Raise a concern under the Compact", Form: form, Err: err},
		Org:      self[0],
		Others:   others,
		Sections: secs,
	})
}

func (s *Service) raise(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	against, _ := strconv.ParseInt(f.Get("against"), 10, 64)
	n := &NewDispute{RaisedBy: web.OrgFrom(r.Context()), Against: against, Commitments: f.Get("commitments"), Subject: clean.Text(f.Get("subject")), About: clean.Line(f.Get("about"))}
	id, err := s.RaiseDispute(r.Context(), n, web.IdentityFrom(r.Context()).UserID)
	if err != nil {
		if apperr.Code(err) == apperr.EINVALID {
			return s.renderDisputeForm(w, r, http.StatusUnprocessableEntity, f, err)
		}
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/compact/disputes/%d", id), "Your concern was recorded and the other organisation was told.")
}

func (s *Service) dispute(w http.ResponseWriter, r *http.Request) error {
	d := web.ObjectFrom(r.Context()).(*Dispute)
	return s.renderDispute(w, r, http.StatusOK, d, url.Values{"on": {today().Format(time.DateOnly)}}, nil)
}

func (s *Service) renderDispute(w http.ResponseWriter, r *http.Request, status int, d *Dispute, form url.Values, err error) error {
	id := web.IdentityFrom(r.Context())
	canEdit := id.Admin || id.RoleIn(d.RaisedBy) >= web.RoleEditor || id.RoleIn(d.Against) >= web.RoleEditor
	return s.Web.Render(w, r, status, "library/dispute.html", disputeView{
		View:    web.View{Title: fmt.Sprintf("Compact dispute %d", d.ID), Form: form, Err: err},
		Dispute: d,
		CanEdit: canEdit,
		Stages:  append([]string{d.Stage}, d.NextStages()...),
		Days:    stageDays(r.Context(), s.DB.Q()),
	})
}

func (s *Service) moveDispute(w http.ResponseWriter, r *http.Request) error {
	d := web.ObjectFrom(r.Context()).(*Dispute)
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	v := &apperr.Validation{}
	on := web.FormDate(v, f, "on", "The date must be a real date, for example 2026-03-31")
	err := v.Err()
	if err == nil {
		err = s.MoveDispute(r.Context(), d, f.Get("stage"), clean.Text(f.Get("note")), on, web.IdentityFrom(r.Context()).UserID)
	}
	if err != nil {
		if apperr.Code(err) == apperr.EINVALID {
			return s.renderDispute(w, r, http.StatusUnprocessableEntity, d, f, err)
		}
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/compact/disputes/%d", d.ID), "Dispute updated.")
}

func (s *Service) settingsPage(w http.ResponseWriter, r *http.Request) error {
	return s.Web.Render(w, r, http.StatusOK, "library/settings.html", web.View{Title: "Library settings", Form: url.Values{"dispute_stage_days": {strconv.Itoa(stageDays(r.Context(), s.DB.Q()))}}})
}

func (s *Service) saveLibrarySettings(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("dispute_stage_days")))
	if err != nil || n < 1 || n > 365 {
		return s.Web.Render(w, r, http.StatusUnprocessableEntity, "library/settings.html", web.View{Title: "Library settings", Form: r.PostForm, Err: fieldErr("dispute_stage_days", "Enter a whole number of days from 1 to 365")})
	}
	ctx := r.Context()
	if err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := setStageDays(ctx, tx, n); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "library.settings", "library_settings", "dispute_stage_days", strconv.Itoa(n))
	}); err != nil {
		return err
	}
	return web.Redirect(w, r, "/admin/library", "Settings saved.")
}
