package bids

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/notify"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/partnerships"
	"partnerhub/internal/web"
)

// Routes is the feature's part of the route table.
func (s *Service) Routes() []web.Route {
	editor := web.OrgRole(web.RoleEditor)
	owner := web.OrgRole(web.RoleOwner)
	return []web.Route{
		web.Get("/orgs/{org}/bids", editor, s.orgList),
		web.Get("/orgs/{org}/bids/new", editor, s.newForm),
		web.Post("/orgs/{org}/bids/new", editor, s.create),
		web.Get("/orgs/{org}/bids/{bid}", editor, s.builder),
		web.Post("/orgs/{org}/bids/{bid}/members", editor, s.invite),
		web.Get("/orgs/{org}/bids/{bid}/members/{member}/remove", editor, s.removeConfirm),
		web.Post("/orgs/{org}/bids/{bid}/members/{member}/remove", editor, s.remove),
		web.Post("/orgs/{org}/bids/{bid}/shares", editor, s.shares),
		web.Post("/orgs/{org}/bids/{bid}/checklist", editor, s.checklist),
		web.Post("/orgs/{org}/bids/{bid}/submit", editor, s.submit),
		web.Get("/orgs/{org}/bids/{bid}/withdraw", editor, s.withdrawConfirm),
		web.Post("/orgs/{org}/bids/{bid}/withdraw", editor, s.withdraw),
		web.Post("/orgs/{org}/bids/{bid}/outcome", editor, s.outcome),
		web.Get("/orgs/{org}/bid-invitations/{bid}", owner, s.signoffPage),
		web.Post("/orgs/{org}/bid-invitations/{bid}", owner, s.signoff),
		web.Get("/orgs/{org}/opportunities/{opp}/award", editor, s.awardForm),
		web.Post("/orgs/{org}/opportunities/{opp}/award", editor, s.award),
		web.Get("/admin/bids/matches", web.Admin, s.matches),
		web.Post("/admin/bids/matches/{supplier}", web.Admin, s.resolveMatch),
		web.Get("/consortia/impact", web.Public, s.townImpact),
		web.Get("/consortia/impact/{slug}", web.Public, s.consortiumImpact),
	}
}

// led loads the bid in the path, which the organisation in the path leads.
func (s *Service) led(r *http.Request) (*Bid, error) {
	id, err := web.PathID(r, "bid", "Bid")
	if err != nil {
		return nil, err
	}
	b, err := Get(r.Context(), s.DB.Q(), id)
	if err != nil {
		return nil, err
	}
	if b.LeadOrgID != web.OrgFrom(r.Context()) {
		return nil, apperr.NotFound("Bid")
	}
	return b, nil
}

// onBid is the shape of the builder's POST handlers: parse the form, load
// the bid the organisation in the path leads, run write in one
// transaction, then redirect to the builder (at anchor) with flash; when
// write refuses (invalid or a conflict) the builder is shown again with a
// 422 and the error, keeping what was sent when keep is set (forms), else
// the bid as stored (buttons).
func (s *Service) onBid(w http.ResponseWriter, r *http.Request, anchor, flash string, keep bool, write func(ctx context.Context, tx *db.Tx, b *Bid, f url.Values) error) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	b, err := s.led(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return write(ctx, tx, b, f) }); err != nil {
		if !formError(err) {
			return err
		}
		if !keep {
			f = nil
		}
		return s.renderBuilder(w, r, 422, f, err)
	}
	return web.Redirect(w, r, s.bidURL(r, b.ID)+anchor, flash)
}

func formError(err error) bool {
	c := apperr.Code(err)
	return c == apperr.EINVALID || c == apperr.ECONFLICT
}

func (s *Service) orgList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	status := r.URL.Query().Get("status")
	var v apperr.Validation
	v.Check(status == "" || slices.Contains(Statuses, status), "status", "Choose a status from the list")
	invalid := v.Err()
	if invalid != nil {
		status = ""
	}
	bs, err := List(ctx, s.DB.Q(), ListFilter{OrgID: org.ID, Status: status})
	if err != nil {
		return err
	}
	return web.ServeList(s.Web, w, r, web.List[*Bid]{
		Name: "bids", Fetch: web.Rows(bs), Invalid: invalid, Columns: bidColumns,
		Item: func(b *Bid) any {
			return map[string]any{"id": b.UUID, "title": b.Title, "lead": b.LeadName, "consortium": b.PartnershipName,
				"status": b.Status, "started": b.CreatedAt, "submitted": b.SubmittedAt, "decided": b.DecidedAt, "value_awarded_pence": b.ValueAwarded}
		},
		Render: func(p web.ListPage[*Bid]) error {
			return s.Web.Render(w, r, 200, "bids/list.html", listView{View: web.View{Title: "Bids of " + org.Name, Err: p.Err}, Org: org, Bids: p.Items,
				Statuses: Statuses, Status: status, Pager: p.PagerData(r), CSV: p.CSVURL, JSONURL: p.JSONURL})
		},
	})
}

// bidColumns are the bids list's CSV columns.
var bidColumns = []web.Column[*Bid]{
	{Header: "bid", Cell: func(b *Bid) string { return b.Title }},
	{Header: "lead", Cell: func(b *Bid) string { return b.LeadName }},
	{Header: "consortium", Cell: func(b *Bid) string { return b.PartnershipName }},
	{Header: "status", Cell: func(b *Bid) string { return Label(b.Status) }},
	{Header: "started", Cell: func(b *Bid) string { return b.CreatedAt.UTC().Format(time.DateOnly) }},
	{Header: "submitted", Cell: func(b *Bid) string { return dateCell(b.SubmittedAt) }},
	{Header: "decided", Cell: func(b *Bid) string { return dateCell(b.DecidedAt) }},
	{Header: "value awarded (GBP)", Cell: func(b *Bid) string {
		if b.ValueAwarded == nil {
			return ""
		}
		return fmt.Sprintf("%d.%02d", *b.ValueAwarded/100, *b.ValueAwarded%100)
	}},
}

func dateCell(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// newForm starts a bid: GET ?opportunity=slug.
func (s *Service) newForm(w http.ResponseWriter, r *http.Request) error {
	f := url.Values{}
	for k, v := range r.URL.Query() {
		f[k] = v
	}
	if f.Get("mode") == "" {
		f.Set("mode", "new")
	}
	if f.Get("model") == "" {
		f.Set("model", "lead_contractor_consortium")
	}
	return s.renderNew(w, r, 200, f, nil)
}

func (s *Service) renderNew(w http.ResponseWriter, r *http.Request, status int, f url.Values, ferr error) error {
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	o, err := opportunities.Get(ctx, s.DB.Q(), f.Get("opportunity"))
	if err != nil {
		return err
	}
	if !o.Published() {
		return apperr.NotFound("Opportunity")
	}
	cons, err := consortiaOf(ctx, s.DB.Q(), org.ID, s.Now())
	if err != nil {
		return err
	}
	if f.Get("consortium_name") == "" && status == 200 {
		f.Set("consortium_name", org.Name+" consortium for "+o.Title)
	}
	return s.Web.Render(w, r, status, "bids/new.html", newView{View: web.View{Title: "Bid for " + o.Title, Form: f, Err: ferr}, Org: org, O: o,
		Consortia: cons, Models: partnerships.ConsortiumModels, Open: o.OpenAt(s.Now())})
}

type consortiumChoice struct {
	ID   int64
	Name string
}

func consortiaOf(ctx context.Context, q db.Querier, orgID int64, now time.Time) ([]consortiumChoice, error) {
	var args []any
	args = append(args, orgID, db.Day(now))
	in := db.Placeholders(&args, partnerships.ConsortiumModels)
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT p.id, p.name FROM partnerships p JOIN partnership_members m ON m.partnership_id = p.id
		WHERE m.organisation_id = $1 AND (m.left_on IS NULL OR m.left_on >= $2) AND p.status <> 'ended' AND p.model IN (`+in+`) ORDER BY p.name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []consortiumChoice
	for rows.Next() {
		var c consortiumChoice
		if err := rows.Scan(&c.ID, &c.Name); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func formInt(f url.Values, k string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(f.Get(k)), 10, 64)
	return n
}

func (s *Service) create(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	f := r.PostForm
	o, err := opportunities.Get(ctx, s.DB.Q(), f.Get("opportunity"))
	if err != nil {
		return err
	}
	in := NewBid{OpportunityID: o.ID, LotID: formInt(f, "lot"), LeadOrgID: web.OrgFrom(ctx), Mode: f.Get("mode"),
		PartnershipID: formInt(f, "partnership"), ConsortiumName: f.Get("consortium_name"), Model: f.Get("model"), OriginPostID: formInt(f, "post")}
	var b *Bid
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		if b, err = Create(ctx, tx, in, web.IdentityFrom(ctx).UserID, s.Now()); err != nil {
			return err
		}
		return s.tellMembers(ctx, tx, b.ID, 0)
	})
	if err != nil {
		if formError(err) {
			return s.renderNew(w, r, 422, f, err)
		}
		return err
	}
	return web.Redirect(w, r, s.bidURL(r, b.ID), "Bid started. Invite members, check the cover and set the shares.")
}

func (s *Service) bidURL(r *http.Request, id int64) string {
	return "/orgs/" + r.PathValue("org") + "/bids/" + strconv.FormatInt(id, 10)
}

// tellMembers emails the owners of the bid's members who have not signed
// off (only org when not 0) an invitation to sign off, through notify.
func (s *Service) tellMembers(ctx context.Context, tx *db.Tx, bidID, only int64) error {
	b, err := Get(ctx, tx, bidID)
	if err != nil {
		return err
	}
	for _, m := range b.Members {
		if m.SignOff != SignInvited || (only != 0 && m.OrgID != only) {
			continue
		}
		owners, err := orgOwners(ctx, tx, m.OrgID)
		if err != nil {
			return err
		}
		link := s.baseURL() + "/orgs/" + m.OrgSlug + "/bid-invitations/" + strconv.FormatInt(b.ID, 10)
		n := notify.Notice{Kind: "bid_signoff", Key: fmt.Sprintf("bid:%d:%d:%d:%d", b.ID, m.OrgID, m.WorkShare, m.ValueShare),
			Subject: "Sign off " + m.OrgName + "'s part in a bid: " + b.Title,
			Text: fmt.Sprintf("%s invites %s to join its bid for %s as %s.\n\nShare of the work: %d%%. Share of the value: %d%%.\n\nAs an owner of %s, please accept or decline (with a reason):\n%s",
				b.LeadName, m.OrgName, b.Title, strings.ToLower(m.RoleLabel()), m.WorkShare, m.ValueShare, m.OrgName, link),
			Why: "You get these emails as an owner of " + m.OrgName + ", which was invited into a bid."}
		if _, err := notify.TellEach(ctx, tx, s.baseURL(), owners, n); err != nil {
			return err
		}
	}
	return nil
}

func orgOwners(ctx context.Context, q db.Querier, orgID int64) ([]notify.Recipient, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.organisation_id = $1 AND m.role = 'owner' AND u.disabled_at IS NULL ORDER BY u.email`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []notify.Recipient
	for rows.Next() {
		rc := notify.Recipient{OrgID: orgID}
		if err := rows.Scan(&rc.UserID, &rc.Email); err != nil {
			return nil, err
		}
		out = append(out, rc)
	}
	return out, rows.Err()
}

// builderForm is the bid's current shares and checklist as form values.
func builderForm(b *Bid) url.Values {
	f := url.Values{}
	for _, m := range b.Members {
		id := strconv.FormatInt(m.OrgID, 10)
		f.Set("role_"+id, m.Role)
		f.Set("work_"+id, strconv.Itoa(m.WorkShare))
		f.Set("value_"+id, strconv.Itoa(m.ValueShare))
	}
	for _, c := range b.Checklist {
		f.Set("owner_"+c.Item, c.Owner)
		f.Set("note_"+c.Item, c.Note)
		if c.Done {
			f.Set("done_"+c.Item, "yes")
		}
	}
	f.Set("gap_reason", b.GapReason)
	return f
}

func (s *Service) builder(w http.ResponseWriter, r *http.Request) error {
	return s.renderBuilder(w, r, 200, nil, nil)
}

func (s *Service) renderBuilder(w http.ResponseWriter, r *http.Request, status int, posted url.Values, ferr error) error {
	ctx := r.Context()
	b, err := s.led(r)
	if err != nil {
		return err
	}
	o, err := opportunities.GetByID(ctx, s.DB.Q(), b.OpportunityID)
	if err != nil {
		return err
	}
	now := s.Now()
	c, err := ComputeCover(ctx, s.DB.Q(), b, o, now)
	if err != nil {
		return err
	}
	if b.Status == StatusDrafting {
		if err := Suggest(ctx, s.DB.Q(), s.DB.Dialect, c, []int64{o.BuyerID}, 3, o.ReservedVCSE); err != nil {
			return err
		}
	}
	f := builderForm(b)
	for k, v := range posted {
		f[k] = v
	}
	work, value, signed := 0, 0, 0
	for _, m := range b.Members {
		work += m.WorkShare
		value += m.ValueShare
		if m.SignOff == SignAccepted {
			signed++
		}
	}
	awards, err := Awards(ctx, s.DB.Q(), o.ID)
	if err != nil {
		return err
	}
	kpis, err := builderKPIs(ctx, s.DB.Q(), b, o, now)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, status, "bids/builder.html", builderView{View: web.View{Title: b.Title, Form: f, Err: ferr}, B: b, O: o, C: c,
		Work: work, Value: value, Signed: signed, Roles: []string{RoleMember, RoleSubcontractor}, Now: now, OrgSlug: r.PathValue("org"),
		Gaps: len(c.MandatoryGaps()), Awards: awards, KPIs: kpis})
}

func (s *Service) invite(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	b, err := s.led(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	orgID := formInt(f, "organisation")
	if orgID == 0 && strings.TrimSpace(f.Get("organisation_name")) != "" {
		orgID, err = orgByName(ctx, s.DB.Q(), f.Get("organisation_name"))
		if err != nil {
			return s.renderBuilder(w, r, 422, f, err)
		}
	}
	if orgID == 0 {
		return s.renderBuilder(w, r, 422, f, invalid("organisation_name", "Enter the name of an organisation in the directory"))
	}
	role := f.Get("role")
	if role == "" {
		role = RoleMember
	}
	var name string
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		if name, err = AddMember(ctx, tx, b.ID, orgID, role, s.Now()); err != nil {
			return err
		}
		return s.tellMembers(ctx, tx, b.ID, orgID)
	})
	if err != nil {
		if formError(err) {
			if apperr.Code(err) == apperr.ECONFLICT {
				err = invalid("organisation_name", apperr.Message(err))
			}
			return s.renderBuilder(w, r, 422, f, err)
		}
		return err
	}
	return web.Redirect(w, r, s.bidURL(r, b.ID)+"#members", name+" is invited: its owners were emailed to sign off. Set its share below.")
}

func orgByName(ctx context.Context, q db.Querier, name string) (int64, error) {
	name = strings.TrimSpace(name)
	ids, err := db.Column[int64](ctx, q, `SELECT id FROM organisations WHERE LOWER(name) = LOWER($1) OR slug = $1 ORDER BY id LIMIT 2`, name)
	if err != nil {
		return 0, err
	}
	switch len(ids) {
	case 0:
		return 0, invalid("organisation_name", "There is no organisation called "+name+" in the directory: check the spelling, or search the directory for it")
	case 1:
		return ids[0], nil
	}
	return 0, invalid("organisation_name", "More than one organisation is called "+name+": use the one suggested, or its directory address (slug)")
}

func (s *Service) removeConfirm(w http.ResponseWriter, r *http.Request) error {
	b, err := s.led(r)
	if err != nil {
		return err
	}
	org, err := web.PathID(r, "member", "Bid member")
	if err != nil {
		return err
	}
	for _, m := range b.Members {
		if m.OrgID == org && m.Role != RoleLead {
			return s.Web.Render(w, r, 200, "bids/confirm.html", confirmView{View: web.View{Title: "Remove " + m.OrgName + " from the bid?"}, B: b,
				Text: m.OrgName + " will be taken out of " + b.Title + ". Its share goes back to be shared out again.", Button: "Yes, remove " + m.OrgName,
				Back: s.bidURL(r, b.ID)})
		}
	}
	return apperr.NotFound("Bid member")
}

func (s *Service) remove(w http.ResponseWriter, r *http.Request) error {
	org, err := web.PathID(r, "member", "Bid member")
	if err != nil {
		return err
	}
	return s.onBid(w, r, "#members", "Removed from the bid. Share its part out again.", false, func(ctx context.Context, tx *db.Tx, b *Bid, _ url.Values) error {
		return RemoveMember(ctx, tx, b.ID, org, s.Now())
	})
}

func pct(s string) (int, bool) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0 && n <= 100
}

func (s *Service) shares(w http.ResponseWriter, r *http.Request) error {
	return s.onBid(w, r, "#shares", "Shares saved. Members whose share changed were asked to sign off again.", true, func(ctx context.Context, tx *db.Tx, b *Bid, f url.Values) error {
		sh := map[int64]Share{}
		for _, m := range b.Members {
			id := strconv.FormatInt(m.OrgID, 10)
			wv, wok := pct(f.Get("work_" + id))
			vv, vok := pct(f.Get("value_" + id))
			sh[m.OrgID] = Share{Role: f.Get("role_" + id), Work: wv, Value: vv, WorkOK: wok, ValueOK: vok}
		}
		if err := SetShares(ctx, tx, b.ID, sh, s.Now()); err != nil {
			return err
		}
		return s.tellMembers(ctx, tx, b.ID, 0)
	})
}

func (s *Service) checklist(w http.ResponseWriter, r *http.Request) error {
	return s.onBid(w, r, "#checklist", "Checklist saved.", true, func(ctx context.Context, tx *db.Tx, b *Bid, f url.Values) error {
		var items []CheckItem
		for _, it := range ChecklistItems {
			items = append(items, CheckItem{Item: it, Owner: f.Get("owner_" + it), Note: f.Get("note_" + it), Done: f.Get("done_"+it) == "yes"})
		}
		return SaveChecklist(ctx, tx, b.ID, items, s.Now())
	})
}

func (s *Service) submit(w http.ResponseWriter, r *http.Request) error {
	return s.onBid(w, r, "", "Bid marked submitted. Record the outcome here when the buyer decides.", true, func(ctx context.Context, tx *db.Tx, b *Bid, f url.Values) error {
		return Submit(ctx, tx, b.ID, f.Get("gap_reason"), web.IdentityFrom(ctx).UserID, s.Now())
	})
}

func (s *Service) withdrawConfirm(w http.ResponseWriter, r *http.Request) error {
	b, err := s.led(r)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "bids/confirm.html", confirmView{View: web.View{Title: "Withdraw the bid for " + b.Title + "?"}, B: b,
		Text: "The bid will be marked withdrawn and can no longer be changed or submitted. The consortium stays as it is.", Button: "Yes, withdraw the bid",
		Back: s.bidURL(r, b.ID)})
}

func (s *Service) withdraw(w http.ResponseWriter, r *http.Request) error {
	return s.onBid(w, r, "", "Bid withdrawn.", false, func(ctx context.Context, tx *db.Tx, b *Bid, _ url.Values) error {
		return Withdraw(ctx, tx, b.ID, s.Now())
	})
}

// scoreRows reads the feedback score rows criterion_N, score_N, max_N.
func scoreRows(f url.Values) ([]Score, error) {
	v := &apperr.Validation{}
	var out []Score
	for i := 0; i < 5; i++ {
		k := strconv.Itoa(i)
		c := strings.TrimSpace(f.Get("criterion_" + k))
		sc, mx := strings.TrimSpace(f.Get("score_"+k)), strings.TrimSpace(f.Get("max_"+k))
		if c == "" && sc == "" && mx == "" {
			continue
		}
		a, e1 := strconv.Atoi(sc)
		b, e2 := strconv.Atoi(mx)
		if e1 != nil || e2 != nil {
			v.Add("score_"+k, "Enter the score and the maximum as whole numbers")
			continue
		}
		out = append(out, Score{Criterion: c, Score: a, Max: b})
	}
	return out, v.Err()
}

func (s *Service) outcome(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	b, err := s.led(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	v := &apperr.Validation{}
	res := f.Get("result")
	v.Check(res == "won" || res == "lost", "result", "Choose whether the bid was won or lost")
	val, merr := opportunities.ParseMoney(f.Get("value"))
	v.Check(merr == nil, "value", "Enter the value awarded in pounds, like 250,000")
	scores, serr := scoreRows(f)
	if serr != nil {
		for _, fe := range apperr.Fields(serr) {
			v.Add(fe.Field, fe.Message)
		}
	}
	if err := v.Err(); err != nil {
		return s.renderBuilder(w, r, 422, f, err)
	}
	out := Outcome{Won: res == "won", Value: val, Feedback: f.Get("feedback"), Scores: scores}
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return Decide(ctx, tx, b.ID, out, web.IdentityFrom(ctx).UserID, s.Now()) }); err != nil {
		if formError(err) {
			return s.renderBuilder(w, r, 422, f, err)
		}
		return err
	}
	return web.Redirect(w, r, s.bidURL(r, b.ID), "Outcome recorded.")
}

// signoffPage shows a member organisation's owner the bid and its share.
func (s *Service) signoffPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderSignoff(w, r, 200, url.Values{}, nil)
}

func (s *Service) memberBid(r *http.Request) (*Bid, *Member, error) {
	id, err := web.PathID(r, "bid", "Bid")
	if err != nil {
		return nil, nil, err
	}
	b, err := Get(r.Context(), s.DB.Q(), id)
	if err != nil {
		return nil, nil, err
	}
	org := web.OrgFrom(r.Context())
	for i := range b.Members {
		if b.Members[i].OrgID == org {
			return b, &b.Members[i], nil
		}
	}
	return nil, nil, apperr.NotFound("Bid")
}

func (s *Service) renderSignoff(w http.ResponseWriter, r *http.Request, status int, f url.Values, ferr error) error {
	b, m, err := s.memberBid(r)
	if err != nil {
		return err
	}
	o, err := opportunities.GetByID(r.Context(), s.DB.Q(), b.OpportunityID)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, status, "bids/signoff.html", signoffView{View: web.View{Title: "Sign off " + m.OrgName + "'s part in " + b.Title, Form: f, Err: ferr}, B: b, M: m, O: o})
}

func (s *Service) signoff(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	b, m, err := s.memberBid(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	d := f.Get("decision")
	if d != "accept" && d != "decline" {
		return s.renderSignoff(w, r, 422, f, invalid("decision", "Choose whether "+m.OrgName+" accepts or declines"))
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := SignOff(ctx, tx, b.ID, m.OrgID, web.IdentityFrom(ctx).UserID, d == "accept", f.Get("reason"), s.Now()); err != nil {
			return err
		}
		word := "accepted"
		if d == "decline" {
			word = "declined: " + strings.TrimSpace(f.Get("reason"))
		}
		_, err := notify.TellOrgEditors(ctx, tx, s.baseURL(), b.LeadOrgID, notify.Notice{Kind: "bid_signoff_result",
			Key: fmt.Sprintf("bid:%d:%d:%s:%d", b.ID, m.OrgID, d, s.Now().UnixNano()), Subject: m.OrgName + " " + strings.SplitN(word, ":", 2)[0] + " your bid for " + b.Title,
			Text: m.OrgName + " " + word + ".\n\nOpen the bid: " + s.baseURL() + "/orgs/" + b.LeadSlug + "/bids/" + strconv.FormatInt(b.ID, 10),
			Why:  "You get these emails as an owner or editor of " + b.LeadName + ", which leads the bid."})
		return err
	})
	if err != nil {
		if formError(err) {
			if apperr.Code(err) == apperr.ECONFLICT {
				err = invalid("decision", apperr.Message(err))
			}
			return s.renderSignoff(w, r, 422, f, err)
		}
		return err
	}
	msg := "Thank you: " + m.OrgName + " has signed off its part in the bid."
	if d == "decline" {
		msg = m.OrgName + " declined the bid. The lead has been told why."
	}
	return web.Redirect(w, r, "/orgs/"+r.PathValue("org")+"/bid-invitations/"+strconv.FormatInt(b.ID, 10), msg)
}
