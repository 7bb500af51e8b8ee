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
	"partnerhub/internal/events"
	"partnerhub/internal/feed"
	"partnerhub/internal/markdown"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

// Routes is the feature's part of the route table.
func (s *Service) Routes() []web.Route {
	editor := web.OrgRole(web.RoleEditor)
	return append([]web.Route{
		web.Get("/opportunities", web.Public, s.list),
		web.Get("/opportunities.atom", web.Public, s.atom),
		web.Get("/opportunities.ics", web.Public, s.ics),
		web.Get("/opportunities/publish", web.Admin, s.publishFor),
		web.Get("/opportunities/{opp}", web.Public, s.show),
		web.Get("/opportunities/{opp}/documents/{id}", web.Public, s.document),
		web.Post("/opportunities/{opp}/interest", web.SignedIn, s.interest),
		web.Get("/orgs/{org}/opportunities", editor, s.orgList),
		web.Get("/orgs/{org}/opportunities/new", editor, s.newForm),
		web.Post("/orgs/{org}/opportunities/new", editor, s.create),
		web.Get("/orgs/{org}/opportunities/{opp}/edit", editor, s.editForm),
		web.Post("/orgs/{org}/opportunities/{opp}/edit", editor, s.update),
		web.Post("/orgs/{org}/opportunities/{opp}/publish", editor, s.publish),
		web.Get("/orgs/{org}/opportunities/{opp}/cancel", editor, s.statusForm),
		web.Post("/orgs/{org}/opportunities/{opp}/cancel", editor, s.setStatus),
		web.Get("/orgs/{org}/opportunities/{opp}/close", editor, s.statusForm),
		web.Post("/orgs/{org}/opportunities/{opp}/close", editor, s.setStatus),
		web.Get("/orgs/{org}/opportunities/{opp}/interests", editor, s.interests),
		web.Post("/orgs/{org}/opportunities/{opp}/documents", editor, s.uploadDocument),
		web.Get("/orgs/{org}/opportunities/{opp}/documents/{id}/withdraw", editor, s.removeDocument),
		web.Post("/orgs/{org}/opportunities/{opp}/documents/{id}/withdraw", editor, s.removeDocument),
	}, s.engageRoutes()...) // questions, consultations, alerts: http_questions.go
}

// visible loads an opportunity the caller may see: a draft only for the
// buyer's editors and admins; everyone else gets "not found".
func (s *Service) visible(ctx context.Context, key string) (*Opportunity, error) {
	o, err := Get(ctx, s.DB.Q(), key)
	if err != nil {
		return nil, err
	}
	if !o.Published() && !web.IdentityFrom(ctx).Can(o.BuyerID, web.RoleEditor) {
		return nil, apperr.NotFound("Opportunity")
	}
	return o, nil
}

// bought loads an opportunity of the organisation in the path.
func (s *Service) bought(r *http.Request) (*Opportunity, error) {
	o, err := Get(r.Context(), s.DB.Q(), r.PathValue("opp"))
	if err != nil {
		return nil, err
	}
	if o.BuyerID != web.OrgFrom(r.Context()) {
		return nil, apperr.NotFound("Opportunity")
	}
	return o, nil
}

// buyerOrg is the organisation in the path, which must be public sector
// to publish opportunities.
func (s *Service) buyerOrg(r *http.Request) (*accounts.Organisation, error) {
	org, err := accounts.OrgByID(r.Context(), s.DB.Q(), web.OrgFrom(r.Context()))
	if err != nil {
		return nil, err
	}
	if org.Sector != "public" {
		return nil, apperr.Errorf(apperr.EFORBIDDEN, "Only public-sector organisations (commissioners) publish opportunities. %s is not listed as public sector.", org.Name)
	}
	return org, nil
}

func formError(err error) bool {
	c := apperr.Code(err)
	return c == apperr.EINVALID || c == apperr.ECONFLICT
}

// listFilters is what the list page offers in its filters.
type listFilters struct {
	Themes, Services, ClientGroups []taxonomy.Term
	Wards                          []string
	Buyers                         []accounts.Organisation
}

func (s *Service) filters(ctx context.Context) (listFilters, error) {
	var lf listFilters
	var err error
	if lf.Themes, err = taxonomy.List(ctx, s.DB.Q(), taxonomy.Themes, false); err != nil {
		return lf, err
	}
	if lf.Services, err = taxonomy.List(ctx, s.DB.Q(), taxonomy.Services, false); err != nil {
		return lf, err
	}
	if lf.ClientGroups, err = taxonomy.List(ctx, s.DB.Q(), taxonomy.ClientGroups, false); err != nil {
		return lf, err
	}
	lf.Wards = directory.Wards()
	lf.Buyers, err = Buyers(ctx, s.DB.Q())
	return lf, err
}

func (s *Service) columns() []web.Column[*Opportunity] {
	base := s.baseURL()
	t := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return p.UTC().Format(time.RFC3339)
	}
	d := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return p.Format(time.DateOnly)
	}
	money := func(p *int64) string {
		if p == nil {
			return ""
		}
		return MoneyInput(p)
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	return []web.Column[*Opportunity]{
		{Header: "title", Cell: func(o *Opportunity) string { return o.Title }},
		{Header: "ocid", Cell: func(o *Opportunity) string { return o.OCID }},
		{Header: "kind", Cell: func(o *Opportunity) string { return o.Kind }},
		{Header: "status", Cell: func(o *Opportunity) string { return o.Status }},
		{Header: "buyer", Cell: func(o *Opportunity) string { return o.BuyerName }},
		{Header: "value_min_gbp", Cell: func(o *Opportunity) string { return money(o.ValueMin) }},
		{Header: "value_max_gbp", Cell: func(o *Opportunity) string { return money(o.ValueMax) }},
		{Header: "published_at", Cell: func(o *Opportunity) string { return t(o.PublishedAt) }},
		{Header: "questions_close_at", Cell: func(o *Opportunity) string { return t(o.QuestionsCloseAt) }},
		{Header: "eoi_deadline", Cell: func(o *Opportunity) string { return t(o.EOIDeadline) }},
		{Header: "submission_deadline", Cell: func(o *Opportunity) string { return t(o.SubmissionDeadline) }},
		{Header: "award_expected", Cell: func(o *Opportunity) string { return d(o.AwardExpected) }},
		{Header: "contract_start", Cell: func(o *Opportunity) string { return d(o.ContractStart) }},
		{Header: "contract_end", Cell: func(o *Opportunity) string { return d(o.ContractEnd) }},
		{Header: "procedure", Cell: func(o *Opportunity) string { return o.Procedure }},
		{Header: "cpv_codes", Cell: func(o *Opportunity) string { return strings.Join(o.CPVCodes, " ") }},
		{Header: "suitable_sme", Cell: func(o *Opportunity) string { return yes(o.SuitableSME) }},
		{Header: "suitable_vcse", Cell: func(o *Opportunity) string { return yes(o.SuitableVCSE) }},
		{Header: "reserved_vcse", Cell: func(o *Opportunity) string { return yes(o.ReservedVCSE) }},
		{Header: "expressions_of_interest", Cell: func(o *Opportunity) string { return strconv.Itoa(o.Interests) }},
		{Header: "url", Cell: func(o *Opportunity) string { return base + "/opportunities/" + o.Slug }},
	}
}

// item is an opportunity in the JSON export.
func (s *Service) item(o *Opportunity) any {
	return map[string]any{
		"ocid": o.OCID, "slug": o.Slug, "title": o.Title, "kind": o.Kind, "status": o.Status,
		"buyer":           map[string]any{"name": o.BuyerName, "slug": o.BuyerSlug},
		"value_min_pence": o.ValueMin, "value_max_pence": o.ValueMax, "currency": o.Currency,
		"published_at": o.PublishedAt, "questions_close_at": o.QuestionsCloseAt, "eoi_deadline": o.EOIDeadline,
		"submission_deadline": o.SubmissionDeadline, "award_expected": dateJSON(o.AwardExpected),
		"contract_start": dateJSON(o.ContractStart), "contract_end": dateJSON(o.ContractEnd),
		"procedure": o.Procedure, "cpv_codes": nz(o.CPVCodes), "suitable_sme": o.SuitableSME, "suitable_vcse": o.SuitableVCSE,
		"reserved_vcse": o.ReservedVCSE, "commissioning_ready_required": o.CommissioningReadyRequired,
		"expressions_of_interest": o.Interests, "source_url": o.SourceURL,
		"url": s.baseURL() + "/opportunities/" + o.Slug,
	}
}

func dateJSON(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.DateOnly)
}

func nz(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Service) list(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q, qerr := ParseQuery(r.URL.Query())
	now := s.Now()
	return web.ServeList(s.Web, w, r, web.List[*Opportunity]{
		Name: "opportunities", Columns: s.columns(), Item: s.item, Invalid: qerr,
		Fetch: func(ctx context.Context, limit, offset int) ([]*Opportunity, int, error) {
			return List(ctx, s.DB.Q(), q, now, limit, offset)
		},
		Render: func(p web.ListPage[*Opportunity]) error {
			lf, err := s.filters(ctx)
			if err != nil {
				return err
			}
			var publish []accounts.OrgWithRole
			if id := web.IdentityFrom(ctx); id != nil {
				orgs, err := accounts.OrgsForUser(ctx, s.DB.Q(), id.UserID)
				if err != nil {
					return db.Err(err, "")
				}
				for _, o := range orgs {
					if o.Sector == "public" && (o.Role == "owner" || o.Role == "editor") {
						publish = append(publish, o)
					}
				}
			}
			form := q.Encode()
			if form.Get("sort") == "" {
				form.Set("sort", Sorts[0])
			}
			enc := q.String()
			if enc != "" {
				enc = "?" + enc
			}
			return s.Web.Render(w, r, 200, "opportunities/list.html", listView{View: web.View{Title: "Opportunities", Err: p.Err, Form: form}, Items: p.Items, Total: p.Total, Pager: p.PagerData(r), CSV: p.CSVURL, JSONURL: p.JSONURL, F: lf, Kinds: Kinds, Statuses: QueryStatuses, Bands: ValueBands, Sorts: Sorts, Atom: "/opportunities.atom" + enc, ICS: "/opportunities.ics" + enc, Publish: publish, Now: now, Alert: "/alerts/new" + enc})
		},
	})
}

// Buyers lists organisations that have published opportunities, by name.
func Buyers(ctx context.Context, q db.Querier) ([]accounts.Organisation, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT o.id, o.slug, o.name FROM organisations o JOIN opportunities p ON p.buyer_org_id = o.id
		WHERE p.published_at IS NOT NULL ORDER BY o.name`)
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	var out []accounts.Organisation
	for rows.Next() {
		var o accounts.Organisation
		if err := rows.Scan(&o.ID, &o.Slug, &o.Name); err != nil {
			return nil, db.Err(err, "")
		}
		out = append(out, o)
	}
	return out, db.Err(rows.Err(), "")
}

// feedLimit is how many opportunities the Atom and iCalendar feeds carry.
const feedLimit = 200

func (s *Service) atom(w http.ResponseWriter, r *http.Request) error {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		return err
	}
	q.Sort = "newest"
	os, _, err := List(r.Context(), s.DB.Q(), q, s.Now(), feedLimit, 0)
	if err != nil {
		return err
	}
	base := s.baseURL()
	enc := q.String()
	page := base + "/opportunities"
	if enc != "" {
		page += "?" + enc
	}
	f := feed.Feed{ID: page, Title: "Opportunities on Partnerhub", Self: base + r.URL.RequestURI(), Page: page, Author: "Partnerhub"}
	for _, o := range os {
		sum := o.KindLabel() + " from " + o.BuyerName
		if c := o.ClosesAt(); c != nil {
			sum += ". Closes " + c.In(web.London()).Format("2 January 2006 15:04")
		}
		if v := o.ValueText(); v != "" {
			sum += ". Value " + v
		}
		sum += ". " + markdown.Plain(o.Description)
		e := feed.Entry{ID: feed.TagURI(base, o.CreatedAt.Year(), "opportunity/"+strconv.FormatInt(o.ID, 10)), Title: o.Title,
			Link: base + "/opportunities/" + o.Slug, Updated: o.UpdatedAt, Summary: sum, Author: o.BuyerName,
			Categories: []string{o.Kind}}
		if o.PublishedAt != nil {
			e.Published = *o.PublishedAt
		}
		f.Entries = append(f.Entries, e)
	}
	return feed.Serve(w, f)
}

func (s *Service) ics(w http.ResponseWriter, r *http.Request) error {
	q, err := ParseQuery(r.URL.Query())
	if err != nil {
		return err
	}
	os, _, err := List(r.Context(), s.DB.Q(), q, s.Now(), feedLimit, 0)
	if err != nil {
		return err
	}
	base := s.baseURL()
	c := &events.Calendar{Name: "Opportunity deadlines", Host: strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")}
	for _, o := range os {
		for _, d := range []struct {
			what string
			at   *time.Time
		}{{"Clarification questions close", o.QuestionsCloseAt}, {"Expressions of interest close", o.EOIDeadline}, {"Submission deadline", o.SubmissionDeadline}} {
			if d.at == nil {
				continue
			}
			c.Events = append(c.Events, events.VEvent{
				UID:   o.UUID + "-" + strings.ToLower(strings.ReplaceAll(d.what, " ", "-")) + "@" + c.Host,
				Start: *d.at, End: d.at.Add(30 * time.Minute), Summary: d.what + ": " + o.Title,
				Description: o.KindLabel() + " from " + o.BuyerName, URL: base + "/opportunities/" + o.Slug,
				Organiser: o.BuyerName, Cancelled: o.Status == StatusCancelled, LastModified: o.UpdatedAt,
			})
		}
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	_, err = w.Write(c.Bytes())
	return err
}

func (s *Service) show(w http.ResponseWriter, r *http.Request) error {
	return s.renderShow(w, r, 200, nil, nil)
}

func (s *Service) renderShow(w http.ResponseWriter, r *http.Request, status int, form url.Values, formErr error) error {
	ctx := r.Context()
	o, err := s.visible(ctx, r.PathValue("opp"))
	if err != nil {
		return err
	}
	if web.WantsJSON(r) {
		return web.JSON(w, 200, s.item(o))
	}
	am, err := Amendments(ctx, s.DB.Q(), o.ID)
	if err != nil {
		return err
	}
	docs, err := Documents(ctx, s.DB.Q(), o.ID)
	if err != nil {
		return err
	}
	id := web.IdentityFrom(ctx)
	now := s.Now()
	// The caller's organisations that may register interest, with the
	// interest each has registered.
	var mine []orgInterest
	if id != nil {
		orgs, err := accounts.OrgsForUser(ctx, s.DB.Q(), id.UserID)
		if err != nil {
			return db.Err(err, "")
		}
		for _, org := range orgs {
			if org.ID == o.BuyerID || (org.Role != "owner" && org.Role != "editor") {
				continue
			}
			oi := orgInterest{Org: org}
			if in, err := GetInterest(ctx, s.DB.Q(), o.ID, org.ID); err == nil {
				oi.Interest = in
			} else if !apperr.Is(err, apperr.ENOTFOUND) {
				return err
			}
			mine = append(mine, oi)
		}
	}
	if form == nil {
		form = url.Values{}
		if len(mine) > 0 {
			form.Set("organisation", strconv.FormatInt(mine[0].Org.ID, 10))
		}
	}
	var lotReqs = map[int][]Requirement{}
	for _, rq := range o.Requirements {
		lotReqs[rq.LotPosition] = append(lotReqs[rq.LotPosition], rq)
	}
	related, err := s.Web.RelatedSections(ctx, s.DB.Q(), "opportunity", o.ID)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, status, "opportunities/show.html", showView{View: web.View{Title: o.Title, Description: markdown.Plain(o.Description), Form: form, Err: formErr}, Related: related, O: o, Amendments: am, Documents: docs, Reqs: lotReqs, Mine: mine, Now: now, Open: o.OpenAt(now) || (o.Status == StatusPlanned && o.Published()), CanManage: id.Can(o.BuyerID, web.RoleEditor), Interests: o.Interests, DocHint: documentPolicy.Hint()})
}

func (s *Service) interest(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	o, err := s.visible(ctx, r.PathValue("opp"))
	if err != nil {
		return err
	}
	id := web.IdentityFrom(ctx)
	orgID, _ := strconv.ParseInt(r.PostForm.Get("organisation"), 10, 64)
	if orgID == 0 || !id.Can(orgID, web.RoleEditor) {
		return s.renderShow(w, r, 422, r.PostForm, &apperr.Error{Code: apperr.EINVALID, Message: "There is a problem",
			Fields: []apperr.FieldError{{Field: "organisation", Message: "Choose one of your organisations (you need to be its owner or an editor)"}}})
	}
	if r.PostForm.Get("action") == "withdraw" {
		if err := s.DB.Write(ctx, func(tx *db.Tx) error { return WithdrawInterest(ctx, tx, o.ID, orgID) }); err != nil {
			if formError(err) || apperr.Is(err, apperr.ENOTFOUND) {
				return s.renderShow(w, r, 422, r.PostForm, err)
			}
			return err
		}
		return web.Redirect(w, r, "/opportunities/"+o.Slug, "Your expression of interest has been withdrawn.")
	}
	partners := r.PostForm.Get("looking_for_partners") == "yes"
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := RegisterInterest(ctx, tx, o.ID, orgID, id.UserID, partners, r.PostForm.Get("note"), s.Now())
		return err
	})
	if err != nil {
		if formError(err) {
			return s.renderShow(w, r, 422, r.PostForm, err)
		}
		return err
	}
	if partners {
		org, err := accounts.OrgByID(ctx, s.DB.Q(), orgID)
		if err != nil {
			return err
		}
		return web.Redirect(w, r, PartnerPostURL(org.Slug, o, s.baseURL()), "Interest registered. Now tell other organisations what partners you are looking for.")
	}
	return web.Redirect(w, r, "/opportunities/"+o.Slug, "Interest registered. The buyer can see your organisation's profile, readiness and policies.")
}

// PartnerPostURL opens the looking-for-partners form of org pre-filled
// from the opportunity: its title, link, closing date and requirements
// (services, themes and client groups as needs; wards as areas).
func PartnerPostURL(orgSlug string, o *Opportunity, base string) string {
	v := url.Values{}
	v.Set("title", "Partners for "+o.Title)
	v.Set("opportunity", o.Title+" ("+o.BuyerName+")")
	v.Set("opportunity_url", base+"/opportunities/"+o.Slug)
	if c := o.ClosesAt(); c != nil {
		closes := c.In(web.London()).AddDate(0, 0, -7)
		if closes.Before(time.Now()) {
			closes = *c
		}
		v.Set("closes_on", closes.Format(time.DateOnly))
		v.Set("needed_by", c.In(web.London()).Format(time.DateOnly))
	}
	var needs []string
	for _, rq := range o.Requirements {
		switch rq.Kind {
		case ReqService, ReqTheme, ReqClientGroup:
			if rq.TermID != 0 {
				v.Add(rq.Kind, strconv.FormatInt(rq.TermID, 10))
				needs = append(needs, rq.Label())
			}
		case ReqWard:
			v.Add("area", rq.Code)
		}
	}
	desc := "We are bidding for " + o.Title + " from " + o.BuyerName + "."
	if len(needs) > 0 {
		desc += " We are looking for partners who offer: " + strings.Join(needs, ", ") + "."
	}
	v.Set("description", desc)
	return "/orgs/" + orgSlug + "/posts/new?" + v.Encode()
}
