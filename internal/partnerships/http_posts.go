package partnerships

// Pages of "looking for partners": the public listing and post page,
// expressions of interest and their withdrawal. The poster's pages are in
// http_posts_manage.go.

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/directory"
	"partnerhub/internal/notify"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

// ownResponse is the policy of withdrawing a response (policy.go).
var ownResponse = web.ObjectRole("post-response", web.RoleEditor)

func (s *Service) postRoutes() []web.Route {
	editor := web.OrgRole(web.RoleEditor)
	return []web.Route{
		web.Get("/looking-for-partners", web.Public, s.postsList),
		web.Get("/looking-for-partners/{id}", web.Public, s.postShow),
		web.Post("/looking-for-partners/{id}/responses", web.SignedIn, s.postRespond),
		web.Get("/looking-for-partners/{id}/responses/{rid}/withdraw", ownResponse, s.postWithdrawConfirm),
		web.Post("/looking-for-partners/{id}/responses/{rid}/withdraw", ownResponse, s.postWithdraw),
		web.Get("/orgs/{org}/posts", editor, s.orgPosts),
		web.Get("/orgs/{org}/posts/new", editor, s.postNewForm),
		web.Post("/orgs/{org}/posts", editor, s.postCreate),
		web.Get("/orgs/{org}/posts/{id}/edit", editor, s.postEditForm),
		web.Post("/orgs/{org}/posts/{id}/edit", editor, s.postEdit),
		web.Get("/orgs/{org}/posts/{id}/close", editor, s.postCloseConfirm),
		web.Post("/orgs/{org}/posts/{id}/close", editor, s.postClose),
		web.Get("/orgs/{org}/posts/{id}/partnership", editor, s.postFormPartnershipForm),
		web.Post("/orgs/{org}/posts/{id}/partnership", editor, s.postFormPartnership),
		web.Get("/orgs/{org}/partner-request-settings", web.OrgRole(web.RoleOwner), s.partnerRequestSettings),
		web.Post("/orgs/{org}/partner-request-settings", web.OrgRole(web.RoleOwner), s.savePartnerRequestSettings),
	}
}

// postView is a post ready for a page.
type postView struct {
	*PartnerPost
	State                                  string
	ThemeNames, ServiceNames, ClientGroups []string
	URL                                    string
	Paras                                  []string // the description's paragraphs
}

func (s *Service) views(ctx context.Context, ps []*PartnerPost) ([]postView, error) {
	names, err := postTermNames(ctx, s.DB.Q())
	if err != nil {
		return nil, err
	}
	today := postToday(timeNow())
	out := make([]postView, len(ps))
	for i, p := range ps {
		out[i] = postView{PartnerPost: p, State: p.State(today), ThemeNames: namesOf(names, p.Themes), ServiceNames: namesOf(names, p.Services),
			ClientGroups: namesOf(names, p.ClientGroups), URL: "/looking-for-partners/" + strconv.FormatInt(p.ID, 10), Paras: paragraphs(p.Description)}
	}
	return out, nil
}

// postList serves posts matching f as the page render, CSV and JSON.
func (s *Service) postList(w http.ResponseWriter, r *http.Request, name string, perPage int, f PostFilter, render func(web.ListPage[postView]) error) error {
	base := s.baseURL()
	join := func(xs []string) string { return strings.Join(xs, "; ") }
	return web.ServeList(s.Web, w, r, web.List[postView]{
		Name: name, PerPage: perPage,
		Fetch: func(ctx context.Context, limit, offset int) ([]postView, int, error) {
			f.Limit, f.Offset = limit, offset
			ps, total, err := ListPosts(ctx, s.DB.Q(), f)
			if err != nil {
				return nil, 0, err
			}
			vs, err := s.views(ctx, ps)
			return vs, total, err
		},
		Columns: []web.Column[postView]{
			{Header: "id", Cell: func(v postView) string { return strconv.FormatInt(v.ID, 10) }},
			{Header: "title", Cell: func(v postView) string { return v.Title }},
			{Header: "organisation", Cell: func(v postView) string { return v.OrgName }},
			{Header: "closes_on", Cell: func(v postView) string { return isoDate(&v.ClosesOn) }},
			{Header: "needed_by", Cell: func(v postView) string { return isoDate(v.NeededBy) }},
			{Header: "services", Cell: func(v postView) string { return join(v.ServiceNames) }},
			{Header: "themes", Cell: func(v postView) string { return join(v.ThemeNames) }},
			{Header: "client_groups", Cell: func(v postView) string { return join(v.ClientGroups) }},
			{Header: "areas", Cell: func(v postView) string { return join(v.Areas) }},
			{Header: "opportunity", Cell: func(v postView) string { return v.Opportunity }},
			{Header: "opportunity_url", Cell: func(v postView) string { return v.OpportunityURL }},
			{Header: "responses", Cell: func(v postView) string { return strconv.Itoa(v.Responses) }},
			{Header: "url", Cell: func(v postView) string { return base + v.URL }},
			{Header: "status", Cell: func(v postView) string { return v.State }},
		},
		Item:   func(v postView) any { return v.json(base) },
		Render: render,
	})
}

func (s *Service) postsList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	qv := r.URL.Query()
	f := PostFilter{Today: postToday(timeNow()), OpenOnly: true, Q: qv.Get("q"), WithDetail: true}
	for _, k := range []string{"theme", "service", "client_group"} {
		if id, err := strconv.ParseInt(qv.Get(k), 10, 64); err == nil && id > 0 {
			f.Term = append(f.Term, id)
		}
	}
	if a, ok := directory.CanonicalWard(qv.Get("area")); ok {
		f.Area = a
	}
	return s.postList(w, r, "looking-for-partners", 20, f, func(p web.ListPage[postView]) error {
		data := postsListView{View: web.View{Title: "Looking for partners"}, Posts: p.Items, Total: p.Total, Pager: p.PagerData(r), Q: qv,
			Wards: directory.Wards(), PostAs: s.editorOrgs(r), CSV: p.CSVURL, JSONURL: p.JSONURL}
		if err := s.postTerms(ctx, &data.postTermsView); err != nil {
			return err
		}
		return s.Web.Render(w, r, http.StatusOK, "partnerships/posts_list.html", data)
	})
}

func (v postView) json(base string) map[string]any {
	return map[string]any{"id": v.ID, "title": v.Title, "description": v.Description, "organisation": v.OrgName, "organisation_slug": v.OrgSlug,
		"status": v.State, "closes_on": isoDate(&v.ClosesOn), "needed_by": isoDate(v.NeededBy), "services": nonNil(v.ServiceNames), "themes": nonNil(v.ThemeNames),
		"client_groups": nonNil(v.ClientGroups), "areas": nonNil(v.Areas), "opportunity": v.Opportunity, "opportunity_url": v.OpportunityURL,
		"responses": v.Responses, "url": base + v.URL}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// editorOrgs are the caller's organisations where they are editor or owner.
func (s *Service) editorOrgs(r *http.Request) []accounts.OrgWithRole {
	return accounts.EditableOrgs(r, s.DB.Q())
}

// loadPost returns the post named by {id}.
func (s *Service) loadPost(r *http.Request) (*PartnerPost, error) {
	id, err := web.PathID(r, "id", "post")
	if err != nil {
		return nil, err
	}
	return PostByID(r.Context(), s.DB.Q(), id)
}

func (s *Service) postShow(w http.ResponseWriter, r *http.Request) error {
	p, err := s.loadPost(r)
	if err != nil {
		return err
	}
	if web.WantsJSON(r) {
		vs, err := s.views(r.Context(), []*PartnerPost{p})
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, vs[0].json(s.baseURL()))
	}
	return s.renderPost(w, r, p, http.StatusOK, nil)
}

// renderPost shows the post page: to everyone the post; to people who can
// respond the response form and their responses; to the poster's editors
// the responses, the explained matches and the actions.
func (s *Service) renderPost(w http.ResponseWriter, r *http.Request, p *PartnerPost, status int, formErr error) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	vs, err := s.views(ctx, []*PartnerPost{p})
	if err != nil {
		return err
	}
	v := vs[0]
	manage := id.Can(p.OrgID, web.RoleEditor)
	data := postsShowView{View: web.View{Title: p.Title, Err: formErr}, P: v, Manage: manage}
	if formErr != nil {
		data.Form = r.PostForm
	}
	var responses []PostResponse
	if id != nil {
		if responses, err = ResponsesFor(ctx, s.DB.Q(), p.ID); err != nil {
			return err
		}
	}
	responded := map[int64]bool{}
	var mine []PostResponse
	for _, x := range responses {
		if x.Status != "withdrawn" {
			responded[x.OrgID] = true
		}
		if id.Can(x.OrgID, web.RoleEditor) && x.OrgID != p.OrgID {
			mine = append(mine, x)
		}
	}
	data.Mine = mine
	var canRespondAs []accounts.OrgWithRole
	for _, o := range s.editorOrgs(r) {
		if o.ID != p.OrgID && !responded[o.ID] {
			canRespondAs = append(canRespondAs, o)
		}
	}
	data.RespondAs = canRespondAs
	data.Open = v.State == PostOpen
	if manage {
		data.Responses = responses
		active := 0
		for _, x := range responses {
			if x.Status == "active" {
				active++
			}
		}
		data.Active = active
		if p.Status != PostFormed {
			matches, err := directory.FindPartners(ctx, s.DB.Q(), s.DB.Dialect, p.FinderQuery(10))
			if err != nil && !apperr.Is(err, apperr.EINVALID) {
				return err
			}
			data.Matches = matches
		}
		told, err := postNoticeCount(ctx, s.DB.Q(), p.ID)
		if err != nil {
			return err
		}
		data.Told = told
	}
	if p.PartnershipID != nil {
		if ps, err := ByID(ctx, s.DB.Q(), *p.PartnershipID); err == nil && CanSee(id, ps) {
			data.Partnership = ps
		}
	}
	return s.Web.Render(w, r, status, "partnerships/posts_show.html", data)
}

func (s *Service) postRespond(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	p, err := s.loadPost(r)
	if err != nil {
		return err
	}
	orgID, _ := strconv.ParseInt(r.PostForm.Get("organisation"), 10, 64)
	if orgID != 0 && orgID != p.OrgID && !id.Can(orgID, web.RoleEditor) {
		return s.renderPost(w, r, p, http.StatusUnprocessableEntity, fieldErr("organisation", "Select an organisation you are an editor or owner of"))
	}
	var resp *PostResponse
	var org *accounts.Organisation
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		if resp, err = Respond(ctx, tx, p, orgID, id.UserID, r.PostForm.Get("message"), postToday(timeNow())); err != nil {
			return err
		}
		if org, err = accounts.OrgByID(ctx, tx, orgID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, orgID, "partner_post.respond", "partner_post", p.ID, org.Name); err != nil {
			return err
		}
		body := org.Name + " has expressed interest in your post \"" + p.Title + "\":\n\n" + resp.Message + "\n\nRead the responses and form a partnership: " +
			s.baseURL() + "/looking-for-partners/" + strconv.FormatInt(p.ID, 10) + "\n"
		_, err = notify.TellOrgEditors(ctx, tx, s.baseURL(), p.OrgID, notify.Notice{Kind: "partner_post_response", Subject: org.Name + " is interested in your post", Text: body,
			Why: "You get these emails as an owner or editor of " + p.OrgName + "."})
		if err != nil {
			return err
		}
		return nil
	})
	if apperr.Is(err, apperr.EINVALID) {
		return s.renderPost(w, r, p, http.StatusUnprocessableEntity, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/looking-for-partners/"+strconv.FormatInt(p.ID, 10)+"#your-response", "Your expression of interest has been sent to "+p.OrgName+".")
}

// loadMyResponse is the response {rid} of post {id}, which the route's
// policy (ObjectRole "post-response": policy.go) let an editor or owner of
// the responding organisation reach.
func (s *Service) loadMyResponse(r *http.Request) (*PartnerPost, *PostResponse, error) {
	if x, ok := web.ObjectFrom(r.Context()).(*postResponse); ok {
		return x.P, x.R, nil
	}
	return nil, nil, web.ErrNotFound() // a route without the policy: nobody gets in
}

func (s *Service) postWithdrawConfirm(w http.ResponseWriter, r *http.Request) error {
	p, x, err := s.loadMyResponse(r)
	if err != nil {
		return err
	}
	return s.Web.Confirm(w, r, web.Confirm{
		Title: "Withdraw " + x.OrgName + "'s expression of interest", Back: "/looking-for-partners/" + strconv.FormatInt(p.ID, 10),
		Question: "Are you sure you want to withdraw " + x.OrgName + "'s expression of interest in “" + p.Title + "”?",
		Detail:   p.OrgName + " will no longer be able to bring you into a partnership from this post. You can respond again while the post is open.",
		Button:   "Withdraw expression of interest"})
}

func (s *Service) postWithdraw(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, x, err := s.loadMyResponse(r)
	if err != nil {
		return err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := WithdrawResponse(ctx, tx, x.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, x.OrgID, "partner_post.withdraw", "partner_post", p.ID, x.OrgName)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/looking-for-partners/"+strconv.FormatInt(p.ID, 10), "Expression of interest withdrawn.")
}

// paragraphs splits text on blank lines.
func paragraphs(s string) []string {
	var out []string
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			out = append(out, para)
		}
	}
	return out
}

// postTerms fills t with the themes, services and client groups posts are
// tagged with.
func (s *Service) postTerms(ctx context.Context, t *postTermsView) error {
	for _, x := range []struct {
		to  *[]taxonomy.Term
		voc string
	}{{&t.Themes, taxonomy.Themes}, {&t.ServiceTerms, taxonomy.Services}, {&t.GroupTerms, taxonomy.ClientGroups}} {
		ts, err := taxonomy.List(ctx, s.DB.Q(), x.voc, false)
		if err != nil {
			return err
		}
		*x.to = ts
	}
	return nil
}
