package bids

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/partnerships"
	"partnerhub/internal/web"
)

// ValueText is the value awarded as a reader sees it.
func (b *Bid) ValueText() string {
	if b.ValueAwarded == nil {
		return ""
	}
	return opportunities.Money(*b.ValueAwarded)
}

// ValueText is the award's value as a reader sees it.
func (a *Award) ValueText() string {
	if a.Value == nil {
		return ""
	}
	return opportunities.Money(*a.Value)
}

// ValueText is the contract's value as a reader sees it.
func (c *Contract) ValueText() string {
	if c == nil || c.Value == nil {
		return ""
	}
	return opportunities.Money(*c.Value)
}

// ConfidencePct is the name match's confidence in percent.
func (s Supplier) ConfidencePct() int { return int(s.Confidence*100 + 0.5) }

// StateLabel names the match state.
func (s Supplier) StateLabel() string { return Label(s.State) }

// bidder is an organisation in a submitted bid, offered as a supplier.
type bidder struct {
	OrgID          int64
	Name, BidTitle string
	Lead           string
	Status         string
}

// awardPage loads the buyer's opportunity in the path and the bidders.
func (s *Service) awardData(r *http.Request) (*opportunities.Opportunity, []bidder, error) {
	ctx := r.Context()
	o, err := opportunities.Get(ctx, s.DB.Q(), r.PathValue("opp"))
	if err != nil {
		return nil, nil, err
	}
	if o.BuyerID != web.OrgFrom(ctx) {
		return nil, nil, apperr.NotFound("Opportunity")
	}
	rows, err := s.DB.Q().QueryContext(ctx, `SELECT m.organisation_id, o.name, b.title, lo.name, b.status FROM bids b JOIN bid_members m ON m.bid_id = b.id
		JOIN organisations o ON o.id = m.organisation_id JOIN organisations lo ON lo.id = b.lead_org_id
		WHERE b.opportunity_id = $1 AND b.status IN ('submitted','won','lost') AND m.signoff = 'accepted' ORDER BY lo.name, b.id, o.name`, o.ID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []bidder
	for rows.Next() {
		var b bidder
		if err := rows.Scan(&b.OrgID, &b.Name, &b.BidTitle, &b.Lead, &b.Status); err != nil {
			return nil, nil, err
		}
		out = append(out, b)
	}
	return o, out, rows.Err()
}

func (s *Service) awardForm(w http.ResponseWriter, r *http.Request) error {
	f := url.Values{}
	f.Set("date", s.Now().Format(time.DateOnly))
	return s.renderAward(w, r, 200, f, nil)
}

func (s *Service) renderAward(w http.ResponseWriter, r *http.Request, status int, f url.Values, ferr error) error {
	o, bidders, err := s.awardData(r)
	if err != nil {
		return err
	}
	awards, err := Awards(r.Context(), s.DB.Q(), o.ID)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, status, "bids/award.html", awardView{View: web.View{Title: "Record the award of " + o.Title, Form: f, Err: ferr}, O: o, Bidders: bidders,
		Awards: awards, OrgSlug: r.PathValue("org")})
}

func (s *Service) award(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	o, _, err := s.awardData(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	v := &apperr.Validation{}
	date := web.FormDate(v, f, "date", "Enter the award date as a real date, like 2027-03-31")
	val, merr := opportunities.ParseMoney(f.Get("value"))
	v.Check(merr == nil, "value", "Enter the value in pounds, like 250,000")
	in := AwardIn{OpportunityID: o.ID, LotID: formInt(f, "lot"), Value: val, AllowUnmatched: f.Get("allow_unmatched") == "yes"}
	for _, id := range web.FormIDs(f, "supplier") {
		in.Suppliers = append(in.Suppliers, SupplierIn{OrgID: id})
	}
	for _, name := range strings.Split(f.Get("other_suppliers"), "\n") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		id, err := orgByName(ctx, s.DB.Q(), name)
		if err != nil {
			v.Add("other_suppliers", strings.Replace(apperr.Fields(err)[0].Message, "in the directory", "in the directory (one organisation a line)", 1))
			continue
		}
		in.Suppliers = append(in.Suppliers, SupplierIn{OrgID: id})
	}
	if date == nil && !v.Has("date") {
		v.Add("date", "Enter the award date")
	}
	if len(in.Suppliers) == 0 && !v.Has("other_suppliers") {
		v.Add("supplier", "Choose at least one supplier: every member of a winning consortium")
	}
	if err := v.Err(); err != nil {
		return s.renderAward(w, r, 422, f, err)
	}
	in.Date = *date
	var a *Award
	if err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		a, err = RecordAward(ctx, tx, s.Opps, in, web.IdentityFrom(ctx).UserID, s.Now())
		return err
	}); err != nil {
		if formError(err) {
			if fs := apperr.Fields(err); len(fs) > 0 && fs[0].Field == "suppliers" {
				err = invalid("supplier", fs[0].Message)
			}
			return s.renderAward(w, r, 422, f, err)
		}
		return err
	}
	matched := 0
	for _, sp := range a.Suppliers {
		if sp.State == "matched" {
			matched++
		}
	}
	return web.Redirect(w, r, "/orgs/"+r.PathValue("org")+"/opportunities/"+o.Slug+"/award",
		fmt.Sprintf("Award recorded: %d of %d supplier(s) matched to bids here.", matched, len(a.Suppliers)))
}

func (s *Service) matches(w http.ResponseWriter, r *http.Request) error {
	ps, err := Proposed(r.Context(), s.DB.Q())
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "bids/matches.html", matchesView{View: web.View{Title: "Award suppliers to match"}, Matches: ps})
}

func (s *Service) resolveMatch(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id, err := web.PathID(r, "supplier", "Supplier")
	if err != nil {
		return err
	}
	d := r.PostForm.Get("decision")
	if d != "confirm" && d != "reject" {
		return apperr.Errorf(apperr.EINVALID, "Choose confirm or reject")
	}
	if err := s.DB.Write(ctx, func(tx *db.Tx) error {
		return ResolveSupplier(ctx, tx, id, d == "confirm", web.IdentityFrom(ctx).UserID, s.Now())
	}); err != nil {
		if apperr.Is(err, apperr.ECONFLICT) {
			return web.Redirect(w, r, "/admin/bids/matches", apperr.Message(err))
		}
		return err
	}
	return web.Redirect(w, r, "/admin/bids/matches", "Match "+d+"ed.")
}

// impactRow is one year of the impact table, formatted.
type impactRow struct {
	YearRow
	Rate, QMRate, NoQMRate, ReadyRate, NotReadyRate, Value string
	Surv                                                   [3]string
}

func pctText(p float64) string {
	if p < 0 {
		return "–"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

func (s *Service) impactPage(w http.ResponseWriter, r *http.Request, p *partnerships.Partnership) error {
	ctx := r.Context()
	now := s.Now()
	last := now.Year()
	first := last - 9
	if y, err := strconv.Atoi(r.URL.Query().Get("from")); err == nil && y >= 2000 && y <= last {
		first = y
	}
	var pid int64
	title := "Consortium impact in Blackpool"
	if p != nil {
		pid = p.ID
		title = "Bids and impact of " + p.Name
		// A consortium's whole life, from its start (or first bid).
		if r.URL.Query().Get("from") == "" {
			if p.Start != nil {
				first = p.Start.Year()
			}
			var firstBid time.Time
			err := s.DB.Q().QueryRowContext(ctx, `SELECT submitted_at FROM bids WHERE partnership_id = $1 AND submitted_at IS NOT NULL ORDER BY submitted_at LIMIT 1`, p.ID).Scan(&firstBid)
			if err != nil && err != sql.ErrNoRows {
				return err
			}
			if err == nil && firstBid.Year() < first {
				first = firstBid.Year()
			}
			first = min(first, last)
		}
	}
	rows, err := Impact(ctx, s.DB.Q(), pid, first, last, now)
	if err != nil {
		return err
	}
	var view []impactRow
	var labels []string
	var sub, won []float64
	var rate []float64
	for _, y := range rows {
		ir := impactRow{YearRow: y, Rate: pctText(y.Success().Pct()), QMRate: pctText(y.QM.Pct()), NoQMRate: pctText(y.NoQM.Pct()),
			ReadyRate: pctText(y.Ready.Pct()), NotReadyRate: pctText(y.NotReady.Pct()), Value: opportunities.Money(y.ValueWon)}
		for i := range 3 {
			ir.Surv[i] = pctText(y.After[i])
		}
		view = append(view, ir)
		labels = append(labels, strconv.Itoa(y.Year))
		sub = append(sub, float64(y.Submitted))
		won = append(won, float64(y.Won))
		rate = append(rate, max(y.Success().Pct(), 0))
	}
	// The comparison over the whole span.
	all, err := Count(ctx, s.DB.Q(), pid, time.Date(first, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(last+1, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return err
	}
	var bids []*Bid
	if p != nil {
		if bids, err = List(ctx, s.DB.Q(), ListFilter{PartnershipID: p.ID}); err != nil {
			return err
		}
		var kept []*Bid
		for _, b := range bids {
			if b.Status != StatusDrafting || web.IdentityFrom(ctx).Can(b.LeadOrgID, web.RoleViewer) {
				kept = append(kept, b)
			}
		}
		bids = kept
	}
	cmp := []impactCmp{{"Consortia holding the Quality Mark", all.QM}, {"Consortia without the Quality Mark", all.NoQM},
		{"With a commissioning-ready member", all.Ready}, {"Without a commissioning-ready member", all.NotReady}}
	var cmpLabels []string
	var cmpVals []float64
	for _, c := range cmp {
		cmpLabels = append(cmpLabels, c.Label)
		cmpVals = append(cmpVals, max(c.Rate.Pct(), 0))
	}
	return s.Web.Render(w, r, 200, "bids/impact.html", impactView{View: web.View{Title: title}, P: p, Rows: view, First: first, Last: last,
		Chart:     web.BarChart("Consortium bids submitted and won by year", labels, web.Series{Name: "Submitted", Values: sub, Class: "bar"}, web.Series{Name: "Won", Values: won, Class: "bar--prev"}),
		RateChart: web.LineChart("Success rate by year (%)", labels, web.Series{Name: "Success rate", Values: rate, Class: "line"}),
		CmpChart:  web.BarChart("Success rate compared (%)", cmpLabels, web.Series{Name: "Success rate", Values: cmpVals, Class: "bar"}),
		Cmp:       cmp, Bids: bids})
}

func (s *Service) townImpact(w http.ResponseWriter, r *http.Request) error {
	return s.impactPage(w, r, nil)
}

func (s *Service) consortiumImpact(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := partnerships.BySlug(ctx, s.DB.Q(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	if !p.IsConsortium() {
		return apperr.NotFound("Consortium")
	}
	if p.Visibility != "public" {
		id := web.IdentityFrom(ctx)
		ok := id != nil && id.Admin
		for org := range p.MemberOrgs() {
			ok = ok || id.Can(org, web.RoleViewer)
		}
		if !ok {
			return apperr.NotFound("Consortium")
		}
	}
	return s.impactPage(w, r, p)
}
