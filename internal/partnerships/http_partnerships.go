package partnerships

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"partnerhub/internal/clean"
	"partnerhub/internal/directory"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

func (s *Service) partnershipRoutes() []web.Route {
	return []web.Route{
		web.Get("/partnerships", web.Public, s.list),
		web.Get("/consortia", web.Public, s.listConsortia),
		web.Get("/partnerships/new", web.SignedIn, s.newForm),
		web.Post("/partnerships", web.SignedIn, s.create),
		web.Get("/partnerships/{slug}", web.Public, s.show),
		web.Get("/partnerships/{slug}/edit", manage, s.editForm),
		web.Post("/partnerships/{slug}/edit", manage, s.edit),
		web.Post("/partnerships/{slug}/members", manage, s.addMember),
		web.Get("/partnerships/{slug}/members/{id}/edit", manage, s.memberForm),
		web.Post("/partnerships/{slug}/members/{id}/edit", manage, s.editMember),
		web.Get("/partnerships/{slug}/members/{id}/remove", manage, s.removeMemberConfirm),
		web.Post("/partnerships/{slug}/members/{id}/remove", manage, s.removeMember),
		web.Get("/partnerships/{slug}/delete", manage, s.deleteConfirm),
		web.Post("/partnerships/{slug}/delete", manage, s.delete),
	}
}

// load returns the partnership named in the path if the caller may see it
// (a members-only partnership answers 404 to everyone else).
func (s *Service) load(r *http.Request) (*Partnership, error) {
	p, err := BySlug(r.Context(), s.DB.Q(), r.PathValue("slug"))
	if err != nil {
		return nil, err
	}
	if !CanSee(web.IdentityFrom(r.Context()), p) {
		return nil, apperr.NotFound("partnership")
	}
	return p, nil
}

// manage is the policy of the routes that change a partnership (policy.go).
var manage = web.ObjectRole("partnership", web.RoleEditor)

func (s *Service) list(w http.ResponseWriter, r *http.Request) error {
	return s.listing(w, r, false)
}

func (s *Service) listConsortia(w http.ResponseWriter, r *http.Request) error {
	return s.listing(w, r, true)
}

func (s *Service) listing(w http.ResponseWriter, r *http.Request, consortia bool) error {
	ctx := r.Context()
	qv := r.URL.Query()
	f := Filter{Q: qv.Get("q"), Consortia: consortia, Viewer: web.IdentityFrom(ctx)}
	if in(Models, qv.Get("model")) {
		f.Model = qv.Get("model")
	}
	if in(Statuses, qv.Get("status")) {
		f.Status = qv.Get("status")
	}
	f.Theme, _ = strconv.ParseInt(qv.Get("theme"), 10, 64)
	if consortia {
		f.QualityMark = qv.Get("quality_mark") == "1"
		f.ReadyFull = qv.Get("ready") == "1"
		f.Service, _ = strconv.ParseInt(qv.Get("service"), 10, 64)
		if w := qv.Get("ward"); in(directory.Wards(), w) {
			f.Ward = w
		}
	}
	if srt := qv.Get("sort"); srt == "name" || (consortia && srt == "quality_mark") {
		f.Sort = srt
	}
	base := strings.TrimRight(s.Web.Config.BaseURL, "/") + "/partnerships/"
	name, title := "partnerships", "Partnerships"
	if consortia {
		name, title = "consortia", "Consortia"
	}
	return web.ServeList(s.Web, w, r, web.List[Row]{
		Name: name, PerPage: 25,
		Fetch: func(ctx context.Context, limit, offset int) ([]Row, int, error) {
			f.Limit, f.Offset = limit, offset
			return List(ctx, s.DB.Q(), f)
		},
		Columns: append([]web.Column[Row]{
			{Header: "name", Cell: func(x Row) string { return x.Name }},
			{Header: "model", Cell: func(x Row) string { return x.Model }},
			{Header: "status", Cell: func(x Row) string { return x.Status }},
			{Header: "start_date", Cell: func(x Row) string { return isoDate(x.Start) }},
			{Header: "end_date", Cell: func(x Row) string { return isoDate(x.End) }},
			{Header: "members", Cell: func(x Row) string { return strconv.Itoa(x.Members) }},
			{Header: "sector_mix", Cell: func(x Row) string { return x.Mix }},
			{Header: "lead", Cell: func(x Row) string { return x.Lead }},
			{Header: "url", Cell: func(x Row) string { return base + x.Slug }},
		}, consortiumColumns(consortia)...),
		Item: func(x Row) any {
			m := map[string]any{"name": x.Name, "slug": x.Slug, "model": x.Model, "status": x.Status, "start_date": isoDate(x.Start), "end_date": isoDate(x.End),
				"members": x.Members, "sector_mix": x.Mix, "lead": x.Lead, "url": base + x.Slug}
			if consortia {
				m["quality_mark"], m["quality_mark_until"] = x.QualityMark, isoDate(x.QualityMarkUntil)
				m["full_members"], m["full_members_commissioning_ready"] = x.FullMembers, x.ReadyFull
			}
			return m
		},
		Render: func(p web.ListPage[Row]) error {
			themes, err := taxonomy.List(ctx, s.DB.Q(), taxonomy.Themes, false)
			if err != nil {
				return err
			}
			services, err := taxonomy.List(ctx, s.DB.Q(), taxonomy.Services, false)
			if err != nil {
				return err
			}
			return s.Web.Render(w, r, http.StatusOK, "partnerships/list.html", listView{View: web.View{Title: title}, Services: services, Wards: directory.Wards(), Rows: p.Items, Total: p.Total, Pager: p.PagerData(r), Consortia: consortia, Models: Models, Statuses: Statuses, Themes: themes, Q: qv, CSV: p.CSVURL, JSONURL: p.JSONURL})
		},
	})
}

func isoDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

func (s *Service) show(w http.ResponseWriter, r *http.Request) error {
	p, err := s.load(r)
	if err != nil {
		return err
	}
	if web.WantsJSON(r) {
		return web.JSON(w, http.StatusOK, p.JSON())
	}
	data, err := s.showData(r.Context(), p)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "partnerships/show.html", data)
}

// showData is what the show page needs, the same for a plain view and for a
// 422 re-render of one of its forms (so an error page shows the partnership
// as it is, not with its themes and services blanked).
func (s *Service) showData(ctx context.Context, p *Partnership) (*showView, error) {
	hist, err := History(ctx, s.DB.Q(), p.ID)
	if err != nil {
		return nil, err
	}
	names, err := termNames(ctx, s.DB.Q(), append(append([]int64{}, p.Themes...), p.Services...))
	if err != nil {
		return nil, err
	}
	var themes, services []string
	for _, id := range p.Themes {
		themes = append(themes, names[id])
	}
	for _, id := range p.Services {
		services = append(services, names[id])
	}
	data := &showView{View: web.View{Title: p.Name}, P: p, History: hist, Themes: themes, Services: services,
		Mix: SectorMix(p.Members), Manage: CanManage(web.IdentityFrom(ctx), p), Roles: MemberRoles}
	for _, l := range s.PageLinks {
		if label, href, ok := l(p); ok {
			data.Links = append(data.Links, pageLinkView{label, href})
		}
	}
	if p.Origin == "event" && p.OriginEventID != nil {
		ev, err := originEventLink(ctx, s.DB.Q(), *p.OriginEventID)
		switch {
		case err == nil:
			data.OriginEvent = &ev
		case !apperr.Is(err, apperr.ENOTFOUND):
			return nil, err
		}
	}
	if data.Manage {
		if data.Orgs, err = orgChoices(ctx, s.DB.Q()); err != nil {
			return nil, err
		}
		if data.Invitations, err = InvitationsFor(ctx, s.DB.Q(), p.ID); err != nil {
			return nil, err
		}
	}
	if p.IsConsortium() {
		if err := s.consortiumData(ctx, p, data); err != nil {
			return nil, err
		}
	}
	if data.Related, err = s.Web.RelatedSections(ctx, s.DB.Q(), "partnership", p.ID); err != nil {
		return nil, err
	}
	return data, nil
}

// JSON is the public JSON form of a partnership.
func (p *Partnership) JSON() map[string]any {
	var members []map[string]any
	for _, m := range p.Members {
		members = append(members, map[string]any{"organisation": m.OrgName, "organisation_slug": m.OrgSlug, "sector": m.Sector, "role": m.Role, "joined": isoDate(m.Joined), "left": isoDate(m.Left)})
	}
	return map[string]any{"name": p.Name, "slug": p.Slug, "purpose": p.Purpose, "model": p.Model, "consortium": p.IsConsortium(), "status": p.Status,
		"start_date": isoDate(p.Start), "end_date": isoDate(p.End), "visibility": p.Visibility, "origin": p.Origin, "sector_mix": SectorMix(p.Members),
		"areas": p.Areas, "members": members}
}

func termNames(ctx context.Context, q db.Querier, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for _, id := range ids {
		t, err := taxonomy.Get(ctx, q, id)
		if err != nil {
			return nil, err
		}
		out[id] = t.Name
	}
	return out, nil
}

// fromForm fills p from the partnership form.
func fromForm(p *Partnership, form url.Values) *apperr.Validation {
	v := &apperr.Validation{}
	p.Name = form.Get("name")
	p.Purpose = form.Get("purpose")
	p.Model = form.Get("model")
	p.Status = form.Get("status")
	p.Visibility = form.Get("visibility")
	p.Origin = form.Get("origin")
	// The event it was introduced at, if the origin says so (the handlers
	// check that the event exists with originEvent).
	p.OriginEventID = nil
	if ev := strings.TrimSpace(form.Get("origin_event")); ev != "" && p.Origin == "event" {
		if n, err := strconv.ParseInt(ev, 10, 64); err == nil && n > 0 {
			p.OriginEventID = &n
		} else {
			v.Add("origin_event", "Select the event from the list")
		}
	}
	p.Start = web.FormDate(v, form, "start_date", "Start date must be a real date, for example 2024-03-31")
	p.End = web.FormDate(v, form, "end_date", "End date must be a real date, for example 2024-03-31")
	p.Themes = web.FormIDs(form, "theme")
	p.Services = web.FormIDs(form, "service")
	p.Areas = nil
	for _, a := range strings.Split(form.Get("areas"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			p.Areas = append(p.Areas, a)
		}
	}
	if err := p.Validate(); err != nil {
		for _, fe := range apperr.Fields(err) {
			v.Add(fe.Field, fe.Message)
		}
	}
	return v
}

// renderForm renders the partnership form with what it needs and extra.
func (s *Service) renderForm(w http.ResponseWriter, r *http.Request, status int, title string, v formView) error {
	ctx := r.Context()
	themes, err := taxonomy.List(ctx, s.DB.Q(), taxonomy.Themes, false)
	if err != nil {
		return err
	}
	services, err := taxonomy.List(ctx, s.DB.Q(), taxonomy.Services, false)
	if err != nil {
		return err
	}
	events, err := originEvents(ctx, s.DB.Q())
	if err != nil {
		return err
	}
	v.Title, v.Themes, v.ServiceTerms, v.Models, v.Statuses = title, themes, services, Models, Statuses
	v.Visibilities, v.Origins, v.LeadOrgs, v.Events = Visibilities, Origins, accounts.EditableOrgs(r, s.DB.Q()), events
	return s.Web.Render(w, r, status, "partnerships/form.html", v)
}

func (s *Service) newForm(w http.ResponseWriter, r *http.Request) error {
	form := url.Values{"status": {"active"}, "visibility": {"public"}, "origin": {"other"}, "model": {"joint_project"}}
	return s.renderForm(w, r, http.StatusOK, "Record a partnership", formView{View: web.View{Form: form}, New: true})
}

func (s *Service) create(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	p := &Partnership{}
	v := fromForm(p, r.PostForm)
	leadID, _ := strconv.ParseInt(r.PostForm.Get("lead"), 10, 64)
	v.Check(leadID != 0 && id.Can(leadID, web.RoleEditor), "lead", "Select the lead organisation (you must be an editor or owner of it)")
	if err := checkOriginEvent(ctx, s.DB.Q(), v, p); err != nil {
		return err
	}
	p.Members = []Member{{OrgID: leadID, Role: "lead", Joined: p.Start}}
	if err := v.Err(); err != nil {
		return s.renderForm(w, r, http.StatusUnprocessableEntity, "Record a partnership", formView{View: web.View{Form: r.PostForm, Err: err}, New: true})
	}
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := Insert(ctx, tx, p, id.UserID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, leadID, "partnership.create", "partnership", p.ID, p.Name)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/partnerships/"+p.Slug, "Partnership recorded. Now add its members.")
}

func (s *Service) editForm(w http.ResponseWriter, r *http.Request) error {
	p := managed(r)
	form := url.Values{"name": {p.Name}, "purpose": {p.Purpose}, "model": {p.Model}, "status": {p.Status}, "visibility": {p.Visibility},
		"origin": {p.Origin}, "origin_event": {idString(p.OriginEventID)}, "start_date": {isoDate(p.Start)}, "end_date": {isoDate(p.End)}, "areas": {strings.Join(p.Areas, ", ")}}
	for _, t := range p.Themes {
		form.Add("theme", strconv.FormatInt(t, 10))
	}
	for _, t := range p.Services {
		form.Add("service", strconv.FormatInt(t, 10))
	}
	return s.renderForm(w, r, http.StatusOK, "Change "+p.Name, formView{View: web.View{Form: form}, P: p})
}

func (s *Service) edit(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	p := managed(r)
	old := *p
	v := fromForm(p, r.PostForm)
	if err := checkOriginEvent(ctx, s.DB.Q(), v, p); err != nil {
		return err
	}
	if err := v.Err(); err != nil {
		return s.renderForm(w, r, http.StatusUnprocessableEntity, "Change "+old.Name, formView{View: web.View{Form: r.PostForm, Err: err}, P: &old})
	}
	note := clean.Text(r.PostForm.Get("status_note"))
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := Update(ctx, tx, p, old.Status, web.IdentityFrom(ctx).UserID, note); err != nil {
			return err
		}
		detail := p.Name
		if old.Status != p.Status {
			detail = fmt.Sprintf("status %s -> %s", old.Status, p.Status)
		}
		return audit.Record(ctx, tx, firstLead(&old), "partnership.update", "partnership", p.ID, detail)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/partnerships/"+p.Slug, "Partnership updated.")
}

func firstLead(p *Partnership) int64 {
	for _, m := range p.Members {
		if m.Role == "lead" {
			return m.OrgID
		}
	}
	return 0
}

// memberFromForm reads role and dates of a membership.
func memberFromForm(m *Member, form url.Values, v *apperr.Validation) {
	m.Role = form.Get("role")
	m.Joined = web.FormDate(v, form, "joined", "Date joined must be a real date, for example 2024-03-31")
	m.Left = web.FormDate(v, form, "left", "Date left must be a real date, for example 2024-03-31")
	if err := ValidateMember(m); err != nil {
		for _, fe := range apperr.Fields(err) {
			if fe.Field != "organisation" || m.OrgID == 0 {
				v.Add(fe.Field, fe.Message)
			}
		}
	}
}

func (s *Service) addMember(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	p := managed(r)
	v := &apperr.Validation{}
	m := Member{PartnershipID: p.ID}
	o, oerr := findOrg(ctx, s.DB.Q(), r.PostForm.Get("organisation"))
	if oerr != nil {
		for _, fe := range apperr.Fields(oerr) {
			v.Add(fe.Field, fe.Message)
		}
	} else {
		m.OrgID = o.ID
	}
	memberFromForm(&m, r.PostForm, v)
	if err := v.Err(); err != nil {
		return s.renderShowWithErr(w, r, p, err)
	}
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := InsertMember(ctx, tx, &m); err != nil {
			return err
		}
		return audit.Record(ctx, tx, firstLead(p), "partnership.member_add", "partnership", p.ID, fmt.Sprintf("%s as %s", o.Name, m.Role))
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/partnerships/"+p.Slug+"#members", o.Name+" added.")
}

// renderShowWithErr answers a form of the show page with a 422: the page as
// it is, with the form's input kept (edit, if not nil, puts the input into
// page data that the template reads from elsewhere than the form).
func (s *Service) renderShowWithErr(w http.ResponseWriter, r *http.Request, p *Partnership, err error, edit ...func(*showView)) error {
	return s.renderShow(w, r, http.StatusUnprocessableEntity, p, err, edit...)
}

// renderShow renders the partnership page with err's field errors and the
// input kept, with status (422, or 413 for a file over the limit).
func (s *Service) renderShow(w http.ResponseWriter, r *http.Request, status int, p *Partnership, err error, edit ...func(*showView)) error {
	data, derr := s.showData(r.Context(), p)
	if derr != nil {
		return derr
	}
	data.Form, data.Err = r.PostForm, err
	for _, f := range edit {
		f(data)
	}
	return s.Web.Render(w, r, status, "partnerships/show.html", data)
}

func (s *Service) member(r *http.Request, p *Partnership) (*Member, error) {
	mid, err := web.PathID(r, "id", "membership")
	if err != nil {
		return nil, err
	}
	for i := range p.Members {
		if p.Members[i].ID == mid {
			return &p.Members[i], nil
		}
	}
	return nil, apperr.NotFound("membership")
}

// managedMember is the membership {id} of the partnership in the path,
// which the caller manages.
func (s *Service) managedMember(r *http.Request) (*Partnership, *Member, error) {
	p := managed(r)
	m, err := s.member(r, p)
	if err != nil {
		return nil, nil, err
	}
	return p, m, nil
}

// renderMember renders the membership form.
func (s *Service) renderMember(w http.ResponseWriter, r *http.Request, status int, p *Partnership, m *Member, form url.Values, err error) error {
	return s.Web.Render(w, r, status, "partnerships/member.html", memberView{View: web.View{Title: "Change " + m.OrgName + "'s membership", Form: form, Err: err}, P: p, M: m, Roles: MemberRoles})
}

func (s *Service) memberForm(w http.ResponseWriter, r *http.Request) error {
	p, m, err := s.managedMember(r)
	if err != nil {
		return err
	}
	form := url.Values{"role": {m.Role}, "joined": {isoDate(m.Joined)}, "left": {isoDate(m.Left)}}
	return s.renderMember(w, r, http.StatusOK, p, m, form, nil)
}

func (s *Service) editMember(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	p, m, err := s.managedMember(r)
	if err != nil {
		return err
	}
	v := &apperr.Validation{}
	memberFromForm(m, r.PostForm, v)
	if err := v.Err(); err != nil {
		return s.renderMember(w, r, http.StatusUnprocessableEntity, p, m, r.PostForm, err)
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := UpdateMember(ctx, tx, m); err != nil {
			return err
		}
		return audit.Record(ctx, tx, firstLead(p), "partnership.member_update", "partnership", p.ID, fmt.Sprintf("%s: %s, joined %s, left %s", m.OrgName, m.Role, isoDate(m.Joined), isoDate(m.Left)))
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/partnerships/"+p.Slug+"#members", "Membership updated.")
}

func (s *Service) removeMemberConfirm(w http.ResponseWriter, r *http.Request) error {
	p, m, err := s.managedMember(r)
	if err != nil {
		return err
	}
	return s.Web.Confirm(w, r, web.Confirm{
		Title: "Remove " + m.OrgName + "'s membership", Back: "/partnerships/" + p.Slug,
		Question: "Are you sure you want to remove this membership record of " + m.OrgName + "?",
		Detail:   "Remove a record only if it was a mistake. If the organisation left the partnership, change its membership and enter the date it left instead: the measures then keep its history.",
		Button:   "Remove membership"})
}

func (s *Service) removeMember(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, m, err := s.managedMember(r)
	if err != nil {
		return err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := DeleteMember(ctx, tx, p.ID, m.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, firstLead(p), "partnership.member_remove", "partnership", p.ID, m.OrgName)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/partnerships/"+p.Slug+"#members", "Membership removed.")
}

func (s *Service) deleteConfirm(w http.ResponseWriter, r *http.Request) error {
	p := managed(r)
	return s.Web.Confirm(w, r, web.Confirm{
		Title: "Delete " + p.Name, Back: "/partnerships/" + p.Slug,
		Question: "Are you sure you want to delete " + p.Name + "?",
		Detail:   "Delete a partnership only if it was recorded by mistake. A partnership that has ended should be kept, with its end date, so that the strategy's measures keep its history.",
		Button:   "Delete partnership"})
}

func (s *Service) delete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := managed(r)
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := s.removeDocuments(ctx, tx, p.ID); err != nil {
			return err
		}
		if err := Delete(ctx, tx, p.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, firstLead(p), "partnership.delete", "partnership", p.ID, p.Name)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/partnerships", p.Name+" deleted.")
}

// consortiumColumns are the consortia list's extra CSV columns.
func consortiumColumns(consortia bool) []web.Column[Row] {
	if !consortia {
		return nil
	}
	return []web.Column[Row]{
		{Header: "quality_mark", Cell: func(x Row) string {
			if x.QualityMark {
				return "yes"
			}
			return "no"
		}},
		{Header: "quality_mark_until", Cell: func(x Row) string { return isoDate(x.QualityMarkUntil) }},
		{Header: "full_members", Cell: func(x Row) string { return strconv.Itoa(x.FullMembers) }},
		{Header: "full_members_commissioning_ready", Cell: func(x Row) string { return strconv.Itoa(x.ReadyFull) }},
	}
}
