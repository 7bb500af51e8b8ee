package partnerships

// The poster's pages: an organisation's posts, writing, changing and
// closing a post, forming a partnership from its responses, and the
// organisation's partner-request email setting.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/directory"
	"partnerhub/internal/notify"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

// orgPost is the post {id} of the organisation {org}; another
// organisation's post answers like a missing one.
func (s *Service) orgPost(r *http.Request) (*PartnerPost, error) {
	p, err := s.loadPost(r)
	if err != nil {
		return nil, err
	}
	if p.OrgID != web.OrgFrom(r.Context()) {
		return nil, apperr.NotFound("post")
	}
	return p, nil
}

func (s *Service) orgPosts(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	return s.postList(w, r, org.Slug+"-looking-for-partners", 25, PostFilter{OrgID: org.ID}, func(p web.ListPage[postView]) error {
		notify, err := NotifyPartnerRequests(ctx, s.DB.Q(), org.ID)
		if err != nil {
			return err
		}
		mine, err := ResponsesByOrg(ctx, s.DB.Q(), org.ID, 100)
		if err != nil {
			return err
		}
		return s.Web.Render(w, r, http.StatusOK, "partnerships/posts_org.html", postsOrgView{View: web.View{Title: org.Name + ": looking for partners"}, Org: org, Posts: p.Items, Total: p.Total, Pager: p.PagerData(r), Owner: web.IdentityFrom(ctx).Can(org.ID, web.RoleOwner), Notify: notify, Responses: mine, CSV: p.CSVURL, JSONURL: p.JSONURL})
	})
}

// renderPostForm renders the post form with what it needs.
func (s *Service) renderPostForm(w http.ResponseWriter, r *http.Request, status int, title string, org *accounts.Organisation, form url.Values, err error, p *PartnerPost) error {
	data := postsFormView{View: web.View{Title: title, Form: form, Err: err}, Org: org, P: p, Wards: directory.Wards()}
	if err := s.postTerms(r.Context(), &data.postTermsView); err != nil {
		return err
	}
	return s.Web.Render(w, r, status, "partnerships/posts_form.html", data)
}

// openPost is orgPost for a post that is still open (only those can be changed).
func (s *Service) openPost(r *http.Request, today time.Time) (*PartnerPost, error) {
	p, err := s.orgPost(r)
	if err != nil {
		return nil, err
	}
	if !p.IsOpen(today) {
		return nil, apperr.Errorf(apperr.ECONFLICT, "This post is closed: it can no longer be changed")
	}
	return p, nil
}

// checkPost adds the post's own validation messages to v, for fields v
// has no message for yet, and returns v's error.
func checkPost(v *apperr.Validation, p *PartnerPost, today time.Time, checkClosing bool) error {
	if verr := p.Validate(today, checkClosing); verr != nil {
		for _, fe := range apperr.Fields(verr) {
			if !v.Has(fe.Field) {
				v.Add(fe.Field, fe.Message)
			}
		}
	}
	return v.Err()
}

// postFromForm fills p from the form; needs must be current terms of the
// right vocabulary.
func (s *Service) postFromForm(ctx context.Context, p *PartnerPost, form url.Values) (*apperr.Validation, error) {
	v := &apperr.Validation{}
	p.Title = form.Get("title")
	p.Description = form.Get("description")
	p.Opportunity = form.Get("opportunity")
	p.OpportunityURL = form.Get("opportunity_url")
	p.NeededBy = web.FormDate(v, form, "needed_by", "The date you need partners by must be a real date, for example 2024-03-31")
	var closes time.Time
	if c := web.FormDate(v, form, "closes_on", "The closing date must be a real date, for example 2024-03-31"); c != nil {
		closes = *c
	}
	p.ClosesOn = closes
	pick := func(voc, field string) ([]int64, error) {
		ts, err := taxonomy.List(ctx, s.DB.Q(), voc, false)
		if err != nil {
			return nil, err
		}
		ok := map[int64]bool{}
		for _, t := range ts {
			ok[t.ID] = true
		}
		var out []int64
		for _, id := range web.FormIDs(form, field) {
			if ok[id] {
				out = append(out, id)
			}
		}
		return out, nil
	}
	var err error
	if p.Services, err = pick(taxonomy.Services, "service"); err != nil {
		return nil, err
	}
	if p.Themes, err = pick(taxonomy.Themes, "theme"); err != nil {
		return nil, err
	}
	if p.ClientGroups, err = pick(taxonomy.ClientGroups, "client_group"); err != nil {
		return nil, err
	}
	p.Areas = form["area"]
	return v, nil
}

func (s *Service) postNewForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	form := url.Values{"closes_on": {postToday(timeNow()).AddDate(0, 0, 28).Format(time.DateOnly)}}
	// Pre-filled from the link that opened it (an opportunity's "looking
	// for partners for this"); nothing is saved until the form is sent.
	for _, k := range []string{"title", "description", "opportunity", "opportunity_url", "closes_on", "needed_by", "service", "theme", "client_group", "area"} {
		if vs := r.URL.Query()[k]; len(vs) > 0 {
			form[k] = vs
		}
	}
	return s.renderPostForm(w, r, http.StatusOK, "Post what "+org.Name+" is looking for", org, form, nil, nil)
}

func (s *Service) postCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	today := postToday(timeNow())
	p := &PartnerPost{OrgID: org.ID, OrgName: org.Name, OrgSlug: org.Slug, CreatedBy: web.IdentityFrom(ctx).UserID}
	v, err := s.postFromForm(ctx, p, r.PostForm)
	if err != nil {
		return err
	}
	if verr := checkPost(v, p, today, true); verr != nil {
		return s.renderPostForm(w, r, http.StatusUnprocessableEntity, "Post what "+org.Name+" is looking for", org, r.PostForm, verr, nil)
	}
	// The partner finder's best matches, from the read pool before the
	// write transaction; they are told by email in it.
	matches, err := directory.FindPartners(ctx, s.DB.Q(), s.DB.Dialect, p.FinderQuery(3*NotifyTop))
	if err != nil && !apperr.Is(err, apperr.EINVALID) {
		return err
	}
	told := 0
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := InsertPost(ctx, tx, p, today); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, org.ID, "partner_post.create", "partner_post", p.ID, p.Title); err != nil {
			return err
		}
		var err error
		if told, err = NotifyMatches(ctx, tx, p, matches, s.baseURL()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, org.ID, "partner_post.notify", "partner_post", p.ID, fmt.Sprintf("%d matching organisations emailed", told))
	})
	if err != nil {
		return err
	}
	msg := "Your post is published."
	if told > 0 {
		msg += fmt.Sprintf(" We emailed %d matching organisation%s.", told, plural(told))
	}
	return web.Redirect(w, r, "/looking-for-partners/"+strconv.FormatInt(p.ID, 10), msg)
}

func postForm(p *PartnerPost) url.Values {
	f := url.Values{"title": {p.Title}, "description": {p.Description}, "opportunity": {p.Opportunity}, "opportunity_url": {p.OpportunityURL},
		"closes_on": {isoDate(&p.ClosesOn)}, "needed_by": {isoDate(p.NeededBy)}}
	for field, ids := range map[string][]int64{"service": p.Services, "theme": p.Themes, "client_group": p.ClientGroups} {
		for _, id := range ids {
			f.Add(field, strconv.FormatInt(id, 10))
		}
	}
	f["area"] = append([]string{}, p.Areas...)
	return f
}

func (s *Service) postEditForm(w http.ResponseWriter, r *http.Request) error {
	p, err := s.openPost(r, postToday(timeNow()))
	if err != nil {
		return err
	}
	org, err := accounts.OrgByID(r.Context(), s.DB.Q(), p.OrgID)
	if err != nil {
		return err
	}
	return s.renderPostForm(w, r, http.StatusOK, "Change your post", org, postForm(p), nil, p)
}

func (s *Service) postEdit(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	today := postToday(timeNow())
	p, err := s.openPost(r, today)
	if err != nil {
		return err
	}
	oldClose := p.ClosesOn
	v, err := s.postFromForm(ctx, p, r.PostForm)
	if err != nil {
		return err
	}
	changed := !p.ClosesOn.Equal(oldClose)
	if verr := checkPost(v, p, today, changed); verr != nil {
		org, err := accounts.OrgByID(ctx, s.DB.Q(), p.OrgID)
		if err != nil {
			return err
		}
		return s.renderPostForm(w, r, http.StatusUnprocessableEntity, "Change your post", org, r.PostForm, verr, p)
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := UpdatePost(ctx, tx, p, today, changed); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.OrgID, "partner_post.update", "partner_post", p.ID, p.Title)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/looking-for-partners/"+strconv.FormatInt(p.ID, 10), "Post updated.")
}

func (s *Service) postCloseConfirm(w http.ResponseWriter, r *http.Request) error {
	p, err := s.orgPost(r)
	if err != nil {
		return err
	}
	if p.Status != PostOpen {
		return apperr.Errorf(apperr.ECONFLICT, "This post is already closed")
	}
	return s.Web.Confirm(w, r, web.Confirm{
		Title: "Close " + p.Title, Back: "/looking-for-partners/" + strconv.FormatInt(p.ID, 10),
		Question: "Are you sure you want to close “" + p.Title + "” now?",
		Detail:   "Organisations will no longer be able to respond. You can still form a partnership from the responses you have.",
		Button:   "Close the post"})
}

func (s *Service) postClose(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := s.orgPost(r)
	if err != nil {
		return err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := ClosePost(ctx, tx, p.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p.OrgID, "partner_post.close", "partner_post", p.ID, "closed by the poster")
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/looking-for-partners/"+strconv.FormatInt(p.ID, 10), "Post closed.")
}

func (s *Service) renderFormPartnership(w http.ResponseWriter, r *http.Request, p *PartnerPost, status int, form url.Values, ferr error) error {
	rs, err := ResponsesFor(r.Context(), s.DB.Q(), p.ID)
	if err != nil {
		return err
	}
	var active []PostResponse
	for _, x := range rs {
		if x.Status == "active" {
			active = append(active, x)
		}
	}
	return s.Web.Render(w, r, status, "partnerships/posts_partnership.html", postsPartnershipView{View: web.View{Title: "Form a partnership from your post", Form: form, Err: ferr}, P: p, Responses: active, Models: Models, Visibilities: Visibilities})
}

func (s *Service) postFormPartnershipForm(w http.ResponseWriter, r *http.Request) error {
	p, err := s.orgPost(r)
	if err != nil {
		return err
	}
	if p.Status == PostFormed {
		return apperr.Errorf(apperr.ECONFLICT, "A partnership has already been formed from this post")
	}
	form := url.Values{"name": {p.Title}, "purpose": {p.Description}, "model": {"joint_project"}, "visibility": {"public"}}
	return s.renderFormPartnership(w, r, p, http.StatusOK, form, nil)
}

func (s *Service) postFormPartnership(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	p, err := s.orgPost(r)
	if err != nil {
		return err
	}
	in := FormInput{Name: r.PostForm.Get("name"), Purpose: r.PostForm.Get("purpose"), Model: r.PostForm.Get("model"),
		Visibility: r.PostForm.Get("visibility"), ResponseIDs: web.FormIDs(r.PostForm, "response")}
	var ps *Partnership
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var chosen []PostResponse
		var err error
		if ps, chosen, err = FormPartnership(ctx, tx, p, in, web.IdentityFrom(ctx).UserID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, p.OrgID, "partnership.create", "partnership", ps.ID, ps.Name+" (from a looking for partners post)"); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, p.OrgID, "partner_post.form", "partner_post", p.ID, ps.Name+": "+responseSummary(chosen)); err != nil {
			return err
		}
		link := s.baseURL() + "/partnerships/" + ps.Slug
		for _, x := range chosen {
			body := fmt.Sprintf("Hello,\n\n%s has formed a new partnership, %s, from its post \"%s\", with %s as a member.\n\nSee the partnership: %s\n",
				p.OrgName, ps.Name, p.Title, x.OrgName, link)
			if _, err := notify.TellOrgEditors(ctx, tx, s.baseURL(), x.OrgID, notify.Notice{Kind: "partner_post_formed", Key: "partnership-" + strconv.FormatInt(ps.ID, 10),
				Subject: "You are in a new partnership: " + oneLine(ps.Name), Text: body, Why: "You get these emails as an owner or editor of " + x.OrgName + "."}); err != nil {
				return err
			}
		}
		return nil
	})
	if apperr.Is(err, apperr.EINVALID) {
		return s.renderFormPartnership(w, r, p, http.StatusUnprocessableEntity, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/partnerships/"+ps.Slug, "Partnership formed with "+strconv.Itoa(len(ps.Members)-1)+" member"+plural(len(ps.Members)-1)+". It is recorded as forming: change its status when it starts.")
}

func (s *Service) partnerRequestSettings(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	on, err := NotifyPartnerRequests(ctx, s.DB.Q(), org.ID)
	if err != nil {
		return err
	}
	form := url.Values{"notify": {"no"}}
	if on {
		form.Set("notify", "yes")
	}
	return s.Web.Render(w, r, http.StatusOK, "partnerships/posts_settings.html", postsSettingsView{View: web.View{Title: "Partner request emails", Form: form}, Org: org})
}

func (s *Service) savePartnerRequestSettings(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	choice := strings.TrimSpace(r.PostForm.Get("notify"))
	if choice != "yes" && choice != "no" {
		return s.Web.Render(w, r, http.StatusUnprocessableEntity, "partnerships/posts_settings.html", postsSettingsView{View: web.View{Title: "Partner request emails", Form: r.PostForm, Err: fieldErr("notify", "Select whether to get emails about organisations looking for partners")}, Org: org})
	}
	on := choice == "yes"
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := SetNotifyPartnerRequests(ctx, tx, org.ID, on); err != nil {
			return err
		}
		return audit.Record(ctx, tx, org.ID, "partner_request_settings.update", "organisation", org.ID, "notify_partner_requests="+choice)
	})
	if err != nil {
		return err
	}
	msg := "You will get emails when an organisation looking for partners matches " + org.Name + "."
	if !on {
		msg = "You will no longer get emails about organisations looking for partners."
	}
	return web.Redirect(w, r, "/orgs/"+org.Slug+"/partner-request-settings", msg)
}
