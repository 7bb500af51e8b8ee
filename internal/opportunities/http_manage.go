package opportunities

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/directory"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

func (s *Service) orgList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	return web.ServeList(s.Web, w, r, web.List[*Opportunity]{
		Name: org.Slug + "-opportunities", PerPage: 50, Columns: s.columns(), Item: s.item,
		Fetch: func(ctx context.Context, limit, offset int) ([]*Opportunity, int, error) {
			return ListBuyer(ctx, s.DB.Q(), []int64{org.ID}, limit, offset)
		},
		Render: func(p web.ListPage[*Opportunity]) error {
			return s.Web.Render(w, r, 200, "opportunities/org_list.html", orgListView{View: web.View{Title: "Opportunities from " + org.Name}, Org: org, Items: p.Items, Total: p.Total, Pager: p.PagerData(r), CSV: p.CSVURL, JSONURL: p.JSONURL, Public: org.Sector == "public"})
		},
	})
}

// formOptions is what the opportunity form offers.
type formOptions struct {
	Kinds, Procedures, RequirementKinds, PolicyKinds []string
	Themes, Services, ClientGroups                   []taxonomy.Term
	Wards                                            []string
	LotRows, ReqRows                                 []int
	KPIs                                             []KPI // the outcome bank's indicators
}

func (s *Service) formPage(w http.ResponseWriter, r *http.Request, status int, org *accounts.Organisation, o *Opportunity, form url.Values, err error) error {
	ctx := r.Context()
	fo := formOptions{Kinds: Kinds, Procedures: Procedures, RequirementKinds: RequirementKinds, PolicyKinds: directory.PolicyKinds, Wards: directory.Wards()}
	var terr error
	if fo.Themes, terr = taxonomy.List(ctx, s.DB.Q(), taxonomy.Themes, false); terr != nil {
		return terr
	}
	if fo.Services, terr = taxonomy.List(ctx, s.DB.Q(), taxonomy.Services, false); terr != nil {
		return terr
	}
	if fo.ClientGroups, terr = taxonomy.List(ctx, s.DB.Q(), taxonomy.ClientGroups, false); terr != nil {
		return terr
	}
	if fo.KPIs, terr = KPIChoices(ctx, s.DB.Q()); terr != nil {
		return terr
	}
	fo.LotRows, fo.ReqRows = formRows(form)
	title := "Publish an opportunity"
	if o != nil {
		title = "Change " + o.Title
	}
	return s.Web.Render(w, r, status, "opportunities/form.html", formView{View: web.View{Title: title, Form: form, Err: err}, Org: org, O: o, Opt: fo, ProcedureLabels: ProcedureLabels})
}

func (s *Service) newForm(w http.ResponseWriter, r *http.Request) error {
	org, err := s.buyerOrg(r)
	if err != nil {
		return err
	}
	id := web.IdentityFrom(r.Context())
	form := url.Values{"kind": {KindTender}, "contact_name": {id.Name}, "contact_email": {id.Email},
		"lots": {strconv.Itoa(blankLots)}, "reqs": {strconv.Itoa(blankReqs)}}
	return s.formPage(w, r, 200, org, nil, form, nil)
}

// addRow handles "Add another lot/requirement": the form comes back with
// one more blank row and everything typed kept. It reports whether it
// did.
func (s *Service) addRow(w http.ResponseWriter, r *http.Request, org *accounts.Organisation, o *Opportunity) (bool, error) {
	f := r.PostForm
	var key string
	switch f.Get("add") {
	case "lot":
		key = "lots"
	case "requirement":
		key = "reqs"
	default:
		return false, nil
	}
	lots, reqs := formRows(f)
	nl, nr := len(lots), len(reqs)
	if key == "lots" {
		nl++
	} else {
		nr++
	}
	f.Set("lots", strconv.Itoa(min(nl, maxRows)))
	f.Set("reqs", strconv.Itoa(min(nr, maxRows)))
	return true, s.formPage(w, r, 200, org, o, f, nil)
}

func (s *Service) create(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	org, err := s.buyerOrg(r)
	if err != nil {
		return err
	}
	if done, err := s.addRow(w, r, org, nil); done {
		return err
	}
	ctx := r.Context()
	o, v := FromForm(r.PostForm, org.ID)
	publish := r.PostForm.Get("action") == "publish"
	now := s.Now()
	if publish {
		err = merge(v, o.CheckPublish(now))
	} else {
		err = merge(v, o.Validate())
	}
	if err != nil {
		return s.formPage(w, r, 422, org, nil, r.PostForm, err)
	}
	uid := web.IdentityFrom(ctx).UserID
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := s.Store.Create(ctx, tx, o, uid); err != nil {
			return err
		}
		if publish {
			return s.Store.Publish(ctx, tx, o.ID, uid)
		}
		return nil
	})
	if err != nil {
		if formError(err) {
			return s.formPage(w, r, 422, org, nil, r.PostForm, err)
		}
		return err
	}
	msg := "Draft saved. Only your organisation can see it until you publish it."
	if publish {
		msg = "Opportunity published."
	}
	return web.Redirect(w, r, "/opportunities/"+o.Slug, msg)
}

func (s *Service) editForm(w http.ResponseWriter, r *http.Request) error {
	o, err := s.bought(r)
	if err != nil {
		return err
	}
	org, err := accounts.OrgByID(r.Context(), s.DB.Q(), o.BuyerID)
	if err != nil {
		return err
	}
	if o.Status == StatusCancelled {
		return apperr.Errorf(apperr.ECONFLICT, "A cancelled opportunity cannot be changed")
	}
	return s.formPage(w, r, 200, org, o, FormValues(o), nil)
}

func (s *Service) update(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	cur, err := s.bought(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), cur.BuyerID)
	if err != nil {
		return err
	}
	if done, err := s.addRow(w, r, org, cur); done {
		return err
	}
	o, v := FromForm(r.PostForm, cur.BuyerID)
	o.ID = cur.ID
	if err := v.Err(); err != nil {
		// Show the form's own problems with the model's.
		o.Status = cur.Status
		return s.formPage(w, r, 422, org, cur, r.PostForm, merge(v, o.Validate()))
	}
	uid := web.IdentityFrom(ctx).UserID
	err = s.DB.Write(ctx, func(tx *db.Tx) error { return s.Store.Update(ctx, tx, o, uid, r.PostForm.Get("amendment")) })
	if err != nil {
		if formError(err) {
			return s.formPage(w, r, 422, org, cur, r.PostForm, err)
		}
		return err
	}
	msg := "Changes saved."
	if cur.Published() {
		msg = "Changes saved and listed as an amendment on the opportunity's page."
	}
	return web.Redirect(w, r, "/opportunities/"+o.Slug, msg)
}

func (s *Service) publish(w http.ResponseWriter, r *http.Request) error {
	o, err := s.bought(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	err = s.DB.Write(ctx, func(tx *db.Tx) error { return s.Store.Publish(ctx, tx, o.ID, web.IdentityFrom(ctx).UserID) })
	if err != nil {
		if formError(err) {
			org, oerr := accounts.OrgByID(ctx, s.DB.Q(), o.BuyerID)
			if oerr != nil {
				return oerr
			}
			return s.formPage(w, r, 422, org, o, FormValues(o), err)
		}
		return err
	}
	return web.Redirect(w, r, "/opportunities/"+o.Slug, "Opportunity published.")
}

// statusForm asks for confirmation before closing or cancelling.
func (s *Service) statusForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderStatusForm(w, r, 200, nil, nil)
}

func (s *Service) renderStatusForm(w http.ResponseWriter, r *http.Request, status int, form url.Values, ferr error) error {
	o, err := s.bought(r)
	if err != nil {
		return err
	}
	action := "cancel"
	if strings.HasSuffix(r.URL.Path, "/close") {
		action = "close"
	}
	org, err := accounts.OrgByID(r.Context(), s.DB.Q(), o.BuyerID)
	if err != nil {
		return err
	}
	title := "Cancel " + o.Title + "?"
	if action == "close" {
		title = "Close " + o.Title + " now?"
	}
	return s.Web.Render(w, r, status, "opportunities/status.html", statusView{View: web.View{Title: title, Form: form, Err: ferr}, O: o, Org: org, Action: action})
}

func (s *Service) setStatus(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	o, err := s.bought(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	uid := web.IdentityFrom(ctx).UserID
	reason := r.PostForm.Get("reason")
	closing := strings.HasSuffix(r.URL.Path, "/close")
	if !closing && o.Published() && strings.TrimSpace(reason) == "" {
		return s.renderStatusForm(w, r, 422, r.PostForm, &apperr.Error{Code: apperr.EINVALID, Message: "There is a problem",
			Fields: []apperr.FieldError{{Field: "reason", Message: "Say why the opportunity is cancelled: everyone who can see it will read this"}}})
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if closing {
			return s.Store.Close(ctx, tx, o.ID, uid, reason)
		}
		return s.Store.Cancel(ctx, tx, o.ID, uid, reason)
	})
	if err != nil {
		if formError(err) {
			return s.renderStatusForm(w, r, 422, r.PostForm, err)
		}
		return err
	}
	msg := "Opportunity cancelled."
	if closing {
		msg = "Opportunity closed: it no longer takes expressions of interest."
	}
	return web.Redirect(w, r, "/opportunities/"+o.Slug, msg)
}

func (s *Service) interests(w http.ResponseWriter, r *http.Request) error {
	o, err := s.bought(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	rows, err := Interests(ctx, s.DB.Q(), s.DB.Dialect, o.ID, s.Now())
	if err != nil {
		return err
	}
	base := s.baseURL()
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	return web.ServeList(s.Web, w, r, web.List[InterestRow]{
		Name: o.Slug + "-interest", PerPage: web.Unpaged, Fetch: web.Rows(rows),
		Columns: []web.Column[InterestRow]{
			{Header: "organisation", Cell: func(i InterestRow) string { return i.OrgName }},
			{Header: "sector", Cell: func(i InterestRow) string { return i.OrgSector }},
			{Header: "registered_at", Cell: func(i InterestRow) string { return i.CreatedAt.UTC().Format(time.RFC3339) }},
			{Header: "looking_for_partners", Cell: func(i InterestRow) string { return yes(i.LookingForPartners) }},
			{Header: "commissioning_ready", Cell: func(i InterestRow) string { return yes(i.CommissioningReady) }},
			{Header: "quality_marks", Cell: func(i InterestRow) string { return strings.Join(i.QualityMarks, "; ") }},
			{Header: "policies", Cell: func(i InterestRow) string { return i.PoliciesText() }},
			{Header: "note", Cell: func(i InterestRow) string { return i.Note }},
			{Header: "profile", Cell: func(i InterestRow) string { return base + "/directory/" + i.OrgSlug }},
		},
		Item: func(i InterestRow) any {
			return map[string]any{"organisation": i.OrgName, "slug": i.OrgSlug, "sector": i.OrgSector, "registered_at": i.CreatedAt,
				"looking_for_partners": i.LookingForPartners, "commissioning_ready": i.CommissioningReady,
				"quality_marks": nz(i.QualityMarks), "policies": i.Policies, "note": i.Note}
		},
		Render: func(p web.ListPage[InterestRow]) error {
			return s.Web.Render(w, r, 200, "opportunities/interests.html", interestsView{View: web.View{Title: "Expressions of interest: " + o.Title}, O: o, Items: p.Items, Total: p.Total, CSV: p.CSVURL, JSONURL: p.JSONURL})
		},
	})
}
