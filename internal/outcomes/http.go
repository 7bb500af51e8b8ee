package outcomes

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/importing"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/uploads"
	"partnerhub/internal/web"
)

// Routes is the feature's part of the route table.
func (s *Service) Routes() []web.Route {
	orgView, orgEdit := web.OrgRole(web.RoleViewer), web.OrgRole(web.RoleEditor)
	view, edit := web.ObjectRole("outcome-plan", web.RoleViewer), web.ObjectRole("outcome-plan", web.RoleEditor)
	const p = "/outcomes/plans/{plan}"
	return []web.Route{
		web.Get("/outcomes", web.Public, s.home),
		web.Get("/outcomes/bank", web.Public, s.bank),
		web.Get("/outcomes/themes", web.Public, s.themes),

		web.Get("/orgs/{org}/outcomes", orgView, s.orgPlans),
		web.Get("/orgs/{org}/outcomes/new", orgEdit, s.newOrgPlan),
		web.Post("/orgs/{org}/outcomes/new", orgEdit, s.createOrgPlan),
		web.Get("/orgs/{org}/outcomes/system", orgEdit, s.systemForm),
		web.Post("/orgs/{org}/outcomes/system", orgEdit, s.declareSystem),

		web.Get("/partnerships/{slug}/outcomes", web.ObjectRole("outcome-partnership", web.RoleViewer), s.partnershipOutcomes),
		web.Get("/partnerships/{slug}/outcomes/new", web.ObjectRole("outcome-partnership-lead", web.RoleEditor), s.newPartnershipPlan),
		web.Post("/partnerships/{slug}/outcomes/new", web.ObjectRole("outcome-partnership-lead", web.RoleEditor), s.createPartnershipPlan),

		web.Get(p, view, s.plan),
		web.Get(p+"/edit", edit, s.editPlan),
		web.Post(p+"/edit", edit, s.updatePlan),
		web.Get(p+"/revise", edit, s.reviseForm),
		web.Post(p+"/revise", edit, s.revise),
		web.Get(p+"/versions/{version}", view, s.version),
		web.Get(p+"/outcomes/new", edit, s.outcomeForm),
		web.Post(p+"/outcomes/new", edit, s.addOutcome),
		web.Get(p+"/steps/new", edit, s.stepForm),
		web.Post(p+"/steps/new", edit, s.addStep),
		web.Get(p+"/indicators/new", edit, s.indicatorForm),
		web.Post(p+"/indicators/new", edit, s.saveIndicator),
		web.Get(p+"/indicators/{ind}", view, s.indicator),
		web.Get(p+"/indicators/{ind}/edit", edit, s.indicatorForm),
		web.Post(p+"/indicators/{ind}/edit", edit, s.saveIndicator),
		web.Get(p+"/indicators/{ind}/measurements/new", edit, s.measurementForm),
		web.Post(p+"/indicators/{ind}/measurements/new", edit, s.addMeasurement),
		web.Get(p+"/measurements/{m}/evidence", view, s.evidenceFile),
		web.Get(p+"/adopt", edit, s.adoptForm),
		web.Post(p+"/adopt", edit, s.adopt),
		web.Get(p+"/import", edit, s.importForm),
		web.Post(p+"/import", edit, s.importCSV),
		web.Get(p+"/report", view, s.report),
		web.Get(p+"/measurements", view, s.measurementList),

		web.Get("/admin/outcomes/bank", web.Admin, s.bankAdmin),
		web.Post("/admin/outcomes/bank/outcomes", web.Admin, s.addBankOutcome),
		web.Post("/admin/outcomes/bank/indicators", web.Admin, s.addBankIndicator),
		web.Get("/admin/outcomes/ladder", web.Admin, s.ladder),
		web.Get("/admin/outcomes/systems", web.Admin, s.systems),
		web.Post("/admin/outcomes/systems/{id}/verify", web.Admin, s.verify),
	}
}

// resolvePlan: an organisation's plan belongs to its members (private:
// nobody else learns it exists); a partnership's plan to its lead
// organisations, seen (403) by its other members.
func (s *Service) resolvePlan(r *http.Request) (*web.Object, error) {
	id, err := web.PathID(r, "plan", "Plan")
	if err != nil {
		return nil, err
	}
	p, err := GetPlan(r.Context(), s.DB.Q(), id)
	if err != nil {
		return nil, err
	}
	if p.OwnerType == OwnerOrg {
		return &web.Object{Value: p, Owners: []int64{p.OwnerID}, Refusal: "Only the organisation's editors can change its outcomes plan."}, nil
	}
	ps, err := PartnershipBy(r.Context(), s.DB.Q(), "", p.OwnerID)
	if err != nil {
		return nil, err
	}
	return &web.Object{Value: p, Owners: ps.Leads, Seers: ps.Members, Refusal: "Only the lead organisation's members can change this partnership's outcomes plan."}, nil
}

// resolvePartnership: a partnership's outcomes page is for the members of
// its current member organisations.
func (s *Service) resolvePartnership(r *http.Request) (*web.Object, error) {
	p, err := PartnershipBy(r.Context(), s.DB.Q(), r.PathValue("slug"), 0)
	if err != nil {
		return nil, err
	}
	return &web.Object{Value: p, Owners: p.Members, Shown: p.Public, Refusal: "Only members of the partnership's organisations can see its outcomes."}, nil
}

// resolvePartnershipLead: a partnership's plans are made by its lead
// organisations' editors; other members may know it exists (403).
func (s *Service) resolvePartnershipLead(r *http.Request) (*web.Object, error) {
	p, err := PartnershipBy(r.Context(), s.DB.Q(), r.PathValue("slug"), 0)
	if err != nil {
		return nil, err
	}
	return &web.Object{Value: p, Owners: p.Leads, Seers: p.Members, Shown: p.Public, Refusal: "Only the lead organisation's editors can make the partnership's outcomes plans."}, nil
}

func planFrom(r *http.Request) *Plan { return web.ObjectFrom(r.Context()).(*Plan) }

func (s *Service) render(w http.ResponseWriter, r *http.Request, status int, name string, d web.Viewer) error {
	return s.Web.Render(w, r, status, "outcomes/"+name, d)
}

func formErr(err error) bool {
	return apperr.Is(err, apperr.EINVALID) || apperr.Is(err, apperr.ECONFLICT)
}

func planURL(p *Plan) string { return fmt.Sprintf("/outcomes/plans/%d", p.ID) }

func (s *Service) home(w http.ResponseWriter, r *http.Request) error {
	id := web.IdentityFrom(r.Context())
	var orgs []accounts.Organisation
	if id != nil {
		for org := range id.Orgs {
			if o, err := accounts.OrgByID(r.Context(), s.DB.Q(), org); err == nil {
				orgs = append(orgs, *o)
			}
		}
	}
	return s.render(w, r, 200, "home.html", homeView{View: web.View{Title: "Outcomes planning and monitoring"}, Orgs: orgs, StepLabels: StepLabels})
}

func (s *Service) bank(w http.ResponseWriter, r *http.Request) error {
	b, err := Bank(r.Context(), s.DB.Q())
	if err != nil {
		return err
	}
	return s.render(w, r, 200, "bank.html", bankView{View: web.View{Title: "Outcome bank"}, Bank: b})
}

func yearParam(r *http.Request, now time.Time) (int, error) {
	y := now.Year() - 1
	if s := r.URL.Query().Get("year"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2000 || n > now.Year() {
			var v apperr.Validation
			v.Add("year", fmt.Sprintf("Enter a year from 2000 to %d", now.Year()))
			return y, v.Err()
		}
		y = n
	}
	return y, nil
}

func (s *Service) themes(w http.ResponseWriter, r *http.Request) error {
	y, verr := yearParam(r, s.Now())
	from := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	rs, err := ThemeRollups(r.Context(), s.DB.Q(), from, from.AddDate(1, 0, 0))
	if err != nil {
		return err
	}
	var years []int
	for i := s.Now().Year(); i >= 2010; i-- {
		years = append(years, i)
	}
	return s.render(w, r, 200, "themes.html", themesView{View: web.View{Title: fmt.Sprintf("Outcomes across the town, %d", y), Err: verr}, Year: y, Years: years, Rollups: rs, Rule: RollupRule, Min: MinReporting})
}

func (s *Service) orgPlans(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	plans, err := PlansFor(ctx, s.DB.Q(), OwnerOrg, org.ID)
	if err != nil {
		return err
	}
	steps, err := LadderOf(ctx, s.DB.Q(), s.Now(), []int64{org.ID}) // this organisation's step only
	if err != nil {
		return err
	}
	sys, err := OtherSystems(ctx, s.DB.Q(), org.ID)
	if err != nil {
		return err
	}
	step, listed := steps[org.ID]
	return s.render(w, r, 200, "org.html", orgPlansView{View: web.View{Title: "Outcomes plans"}, Org: org, Plans: plans, Step: step, Listed: listed, StepLabels: StepLabels, Rule: LadderRule, Systems: sys, Now: s.Now(), CanEdit: web.IdentityFrom(ctx).Can(org.ID, web.RoleEditor)})
}

func (s *Service) planForm(w http.ResponseWriter, r *http.Request, status int, owner string, p *Plan, action string, f url.Values, err error) error {
	title := "Create an outcomes plan"
	if p != nil {
		title = "Change " + p.Title
	}
	return s.render(w, r, status, "plan-form.html", planFormView{View: web.View{Title: title, Form: f, Err: err}, Owner: owner, Plan: p, Action: action})
}

func newPlanValues(now time.Time) url.Values {
	start := time.Date(now.Year(), 4, 1, 0, 0, 0, 0, time.UTC)
	if now.Before(start) {
		start = start.AddDate(-1, 0, 0)
	}
	return url.Values{"start_date": {day(start)}, "end_date": {day(start.AddDate(3, 0, -1))}, "review_date": {day(start.AddDate(1, 0, -1))}}
}

func (s *Service) newOrgPlan(w http.ResponseWriter, r *http.Request) error {
	org, err := accounts.OrgByID(r.Context(), s.DB.Q(), web.OrgFrom(r.Context()))
	if err != nil {
		return err
	}
	return s.planForm(w, r, 200, org.Name, nil, "", newPlanValues(s.Now()), nil)
}

func (s *Service) createOrgPlan(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	return s.createPlan(w, r, OwnerOrg, org.ID, org.Name)
}

func (s *Service) createPlan(w http.ResponseWriter, r *http.Request, ownerType string, ownerID int64, ownerName string) error {
	ctx := r.Context()
	p, err := PlanInput(r.PostForm)
	if err == nil {
		p.OwnerType, p.OwnerID = ownerType, ownerID
		err = s.DB.Write(ctx, func(tx *db.Tx) error { return CreatePlan(ctx, tx, p, web.IdentityFrom(ctx).UserID) })
	}
	if err != nil {
		if formErr(err) {
			return s.planForm(w, r, 422, ownerName, nil, "", r.PostForm, err)
		}
		return err
	}
	return web.Redirect(w, r, planURL(p), "Plan created. Add its outcomes, or adopt shared ones from the outcome bank.")
}

func (s *Service) partnershipOutcomes(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ps := web.ObjectFrom(ctx).(*Partnership)
	plans, err := PlansFor(ctx, s.DB.Q(), OwnerPartnership, ps.ID)
	if err != nil {
		return err
	}
	y, verr := yearParam(r, s.Now())
	from := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	orgs := ps.Members
	rs, err := MemberRollups(ctx, s.DB.Q(), from, from.AddDate(1, 0, 0), orgs)
	if err != nil {
		return err
	}
	kpis, err := s.requiredKPIs(ctx, s.DB.Q(), ps.ID)
	if err != nil {
		return err
	}
	id := web.IdentityFrom(ctx)
	canEdit := false
	for _, org := range ps.Leads {
		canEdit = canEdit || id.Can(org, web.RoleEditor)
	}
	var years []int
	for i := s.Now().Year(); i >= 2010; i-- {
		years = append(years, i)
	}
	return s.render(w, r, 200, "partnership.html", partnershipView{View: web.View{Title: ps.Name + ": outcomes", Err: verr}, P: ps, Plans: plans, Rollups: rs, Year: y, Years: years, Rule: RollupRule, CanEdit: canEdit, Members: len(orgs), KPIs: KPIRows(kpis, rs)})
}

func (s *Service) newPartnershipPlan(w http.ResponseWriter, r *http.Request) error {
	ps := web.ObjectFrom(r.Context()).(*Partnership)
	return s.planForm(w, r, 200, ps.Name, nil, "", newPlanValues(s.Now()), nil)
}

func (s *Service) createPartnershipPlan(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ps := web.ObjectFrom(r.Context()).(*Partnership)
	return s.createPlan(w, r, OwnerPartnership, ps.ID, ps.Name)
}

// IndicatorView is an indicator with its status for pages.
type IndicatorView struct {
	*Indicator
	St Status
}

func views(p *Plan) []IndicatorView {
	out := make([]IndicatorView, len(p.Indicators))
	for i := range p.Indicators {
		out[i] = IndicatorView{&p.Indicators[i], p.Indicators[i].Status()}
	}
	return out
}

func (s *Service) canEdit(r *http.Request, p *Plan) bool {
	id := web.IdentityFrom(r.Context())
	if p.OwnerType == OwnerOrg {
		return id.Can(p.OwnerID, web.RoleEditor)
	}
	ps, err := PartnershipBy(r.Context(), s.DB.Q(), "", p.OwnerID)
	if err != nil {
		return false
	}
	for _, org := range ps.Leads {
		if id.Can(org, web.RoleEditor) {
			return true
		}
	}
	return false
}

func (s *Service) plan(w http.ResponseWriter, r *http.Request) error {
	p := planFrom(r)
	vs, err := Versions(r.Context(), s.DB.Q(), p.ID)
	if err != nil {
		return err
	}
	return s.render(w, r, 200, "plan.html", planView{View: web.View{Title: p.Title}, P: p, Indicators: views(p), Versions: vs, CanEdit: s.canEdit(r, p), Rule: StatusRule, ReviewDue: !p.Review.After(s.Now())})
}

func (s *Service) editPlan(w http.ResponseWriter, r *http.Request) error {
	p := planFrom(r)
	return s.planForm(w, r, 200, p.OwnerName, p, "edit", PlanForm(p), nil)
}

func (s *Service) updatePlan(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	p := planFrom(r)
	next, err := PlanInput(r.PostForm)
	if err == nil {
		next.ID, next.OwnerType, next.OwnerID = p.ID, p.OwnerType, p.OwnerID
		err = s.DB.Write(ctx, func(tx *db.Tx) error { return UpdatePlan(ctx, tx, next) })
	}
	if err != nil {
		if formErr(err) {
			return s.planForm(w, r, 422, p.OwnerName, p, "edit", r.PostForm, err)
		}
		return err
	}
	return web.Redirect(w, r, planURL(p), "Plan changed.")
}

func (s *Service) reviseForm(w http.ResponseWriter, r *http.Request) error {
	p := planFrom(r)
	f := PlanForm(p)
	f.Set("review_date", day(db.Day(s.Now()).AddDate(1, 0, 0)))
	return s.planForm(w, r, 200, p.OwnerName, p, "revise", f, nil)
}

func (s *Service) revise(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	p := planFrom(r)
	next, err := PlanInput(r.PostForm)
	note := strings.TrimSpace(r.PostForm.Get("note"))
	if err == nil && note == "" {
		var v apperr.Validation
		v.Add("note", "Say what the review found or changed, for the record")
		err = v.Err()
	}
	if err == nil {
		err = s.DB.Write(ctx, func(tx *db.Tx) error { return Revise(ctx, tx, p, next, note, web.IdentityFrom(ctx).UserID) })
	}
	if err != nil {
		if formErr(err) {
			return s.planForm(w, r, 422, p.OwnerName, p, "revise", r.PostForm, err)
		}
		return err
	}
	return web.Redirect(w, r, planURL(p), fmt.Sprintf("Plan reviewed: version %d is kept and can still be read.", p.Version))
}

func (s *Service) version(w http.ResponseWriter, r *http.Request) error {
	p := planFrom(r)
	id, err := web.PathID(r, "version", "Version")
	if err != nil {
		return err
	}
	n := int(id)
	old, at, note, err := Version(r.Context(), s.DB.Q(), p.ID, n)
	if err != nil {
		return err
	}
	return s.render(w, r, 200, "version.html", versionView{View: web.View{Title: fmt.Sprintf("%s: version %d", p.Title, n)}, P: p, Old: old, At: at, Note: note, Indicators: views(old)})
}

func (s *Service) themeList(r *http.Request) ([]taxonomy.Term, error) {
	return taxonomy.List(r.Context(), s.DB.Q(), taxonomy.Themes, false)
}

func (s *Service) outcomeForm(w http.ResponseWriter, r *http.Request) error {
	return s.outcomePage(w, r, 200, url.Values{"term": {"medium"}}, nil)
}

func (s *Service) outcomePage(w http.ResponseWriter, r *http.Request, status int, f url.Values, err error) error {
	themes, terr := s.themeList(r)
	if terr != nil {
		return terr
	}
	p := planFrom(r)
	return s.render(w, r, status, "outcome-form.html", outcomeFormView{View: web.View{Title: "Add an outcome", Form: f, Err: err}, P: p, Themes: themes, Terms: Terms, TermLabels: TermLabels})
}

func (s *Service) addOutcome(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	p := planFrom(r)
	o, err := OutcomeInput(r.PostForm)
	if err == nil {
		err = s.DB.Write(ctx, func(tx *db.Tx) error { return AddOutcome(ctx, tx, p, o) })
	}
	if err != nil {
		if formErr(err) {
			return s.outcomePage(w, r, 422, r.PostForm, err)
		}
		return err
	}
	return web.Redirect(w, r, planURL(p)+"#outcomes", "Outcome added.")
}

func (s *Service) stepForm(w http.ResponseWriter, r *http.Request) error {
	f := url.Values{"kind": {"activity"}}
	if k := r.URL.Query().Get("kind"); k == "output" {
		f.Set("kind", k)
	}
	return s.render(w, r, 200, "step-form.html", stepFormView{View: web.View{Title: "Add an output or activity", Form: f}, P: planFrom(r)})
}

func (s *Service) addStep(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	p := planFrom(r)
	st, err := StepInput(r.PostForm)
	if err == nil {
		err = s.DB.Write(ctx, func(tx *db.Tx) error { return AddStep(ctx, tx, p, st) })
	}
	if err != nil {
		if formErr(err) {
			return s.render(w, r, 422, "step-form.html", stepFormView{View: web.View{Title: "Add an output or activity", Form: r.PostForm, Err: err}, P: p})
		}
		return err
	}
	return web.Redirect(w, r, planURL(p)+"#triangle", "Added.")
}

func (s *Service) planIndicator(r *http.Request) (*Plan, *Indicator, error) {
	p := planFrom(r)
	if r.PathValue("ind") == "" {
		return p, nil, nil
	}
	id, err := web.PathID(r, "ind", "Indicator")
	if err != nil {
		return nil, nil, err
	}
	in := p.Indicator(id)
	if in == nil {
		return nil, nil, apperr.NotFound("Indicator")
	}
	return p, in, nil
}

func (s *Service) indicatorForm(w http.ResponseWriter, r *http.Request) error {
	p, in, err := s.planIndicator(r)
	if err != nil {
		return err
	}
	f := url.Values{"kind": {"numeric"}, "frequency": {"quarterly"}}
	if o := r.URL.Query().Get("outcome"); o != "" {
		f.Set("outcome_id", o)
	}
	if in != nil {
		f = IndicatorForm(in)
	}
	return s.indicatorPage(w, r, 200, p, in, f, nil)
}

func (s *Service) indicatorPage(w http.ResponseWriter, r *http.Request, status int, p *Plan, in *Indicator, f url.Values, err error) error {
	title := "Add an indicator"
	if in != nil {
		title = "Change " + in.Name
	}
	if len(p.Outcomes) == 0 && err == nil {
		return web.Redirect(w, r, planURL(p)+"/outcomes/new", "Add an outcome first: every indicator measures an outcome.")
	}
	return s.render(w, r, status, "indicator-form.html", indicatorFormView{View: web.View{Title: title, Form: f, Err: err}, P: p, In: in, Kinds: Kinds, Frequencies: Frequencies})
}

func (s *Service) saveIndicator(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	p, old, err := s.planIndicator(r)
	if err != nil {
		return err
	}
	in, err := IndicatorInput(r.PostForm)
	if err == nil {
		if old != nil {
			in.ID, in.BankIndicatorID = old.ID, old.BankIndicatorID
		}
		err = s.DB.Write(ctx, func(tx *db.Tx) error { return SaveIndicator(ctx, tx, p, in) })
	}
	if err != nil {
		if formErr(err) {
			return s.indicatorPage(w, r, 422, p, old, r.PostForm, err)
		}
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("%s/indicators/%d", planURL(p), in.ID), "Indicator saved.")
}

// ChartSeries are an indicator's chart: its measurements, the baseline
// and the trajectory to the target, over its measured periods.
func ChartSeries(in *Indicator) ([]string, []web.Series) {
	var labels []string
	var vals, base, traj []float64
	for _, m := range in.Measurements {
		labels = append(labels, m.Period)
		vals = append(vals, m.Value)
		if in.Baseline != nil {
			base = append(base, *in.Baseline)
		}
		if in.Baseline != nil && in.Target != nil && in.BaselineDate != nil && in.TargetDate != nil {
			traj = append(traj, round(Expected(*in.Baseline, *in.Target, *in.BaselineDate, *in.TargetDate, m.End), 2))
		}
	}
	series := []web.Series{{Name: "Measured", Values: vals, Class: "line"}}
	if len(traj) > 0 {
		series = append(series, web.Series{Name: "Trajectory to target", Values: traj, Class: "line"})
	}
	if len(base) > 0 {
		series = append(series, web.Series{Name: "Baseline", Values: base, Class: "line"})
	}
	return labels, series
}

func (s *Service) indicator(w http.ResponseWriter, r *http.Request) error {
	p, in, err := s.planIndicator(r)
	if err != nil {
		return err
	}
	labels, series := ChartSeries(in)
	var chart template.HTML
	if len(labels) > 0 {
		chart = web.LineChart(in.Name, labels, series...)
	}
	return s.render(w, r, 200, "indicator.html", indicatorView{View: web.View{Title: in.Name}, P: p, In: IndicatorView{in, in.Status()}, Chart: chart, Series: series, Rule: StatusRule, CanEdit: s.canEdit(r, p)})
}

func (s *Service) measurementForm(w http.ResponseWriter, r *http.Request) error {
	p, in, err := s.planIndicator(r)
	if err != nil {
		return err
	}
	return s.measurementPage(w, r, 200, p, in, url.Values{}, nil)
}

func (s *Service) measurementPage(w http.ResponseWriter, r *http.Request, status int, p *Plan, in *Indicator, f url.Values, err error) error {
	example := map[string]string{"quarterly": "2026-Q1", "monthly": "2026-03", "yearly": "2026 or 2026/27"}[in.Frequency]
	var parts []map[string]string
	for i, part := range in.Parts {
		parts = append(parts, map[string]string{"Name": fmt.Sprintf("part_%d", i), "Label": part})
	}
	return s.render(w, r, status, "measurement-form.html", measurementFormView{View: web.View{Title: "Record a measurement", Form: f, Err: err}, P: p, In: in, Example: example, Parts: parts, Policy: evidencePolicy})
}

var evidencePolicy = uploads.Policy{Field: "evidence", Max: 5 << 20, Types: []uploads.Type{uploads.PDF, uploads.DOCX, uploads.XLSX, uploads.CSV, uploads.PNG, uploads.JPEG}, Fallback: "evidence"}

func (s *Service) addMeasurement(w http.ResponseWriter, r *http.Request) error {
	p, in, err := s.planIndicator(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var file *uploads.File
	var form *uploads.Form
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if form, err = uploads.ReadForm(r, evidencePolicy.Max); err != nil {
			return err
		}
	} else { // a plain post, without evidence
		if err := web.ParseForm(r); err != nil {
			return err
		}
		form = &uploads.Form{Values: r.PostForm, Files: map[string]*uploads.Part{}}
	}
	m, err := MeasurementInput(p, in, form.Values)
	if part := form.Files["evidence"]; part != nil && (part.Name != "" || len(part.Data) > 0 || part.TooLarge) {
		f, uerr := evidencePolicy.Check(form)
		if uerr != nil {
			var v apperr.Validation
			for _, fe := range apperr.Fields(err) {
				v.Add(fe.Field, fe.Message)
			}
			for _, fe := range apperr.Fields(uerr) {
				v.Add(fe.Field, fe.Message+" (choose the file again)")
			}
			err = v.Err()
		}
		file = f
	}
	if err == nil {
		store := s.evidence()
		if file != nil {
			if m.EvidenceStored, err = store.Save(file); err != nil {
				return err
			}
			m.EvidenceName, m.EvidenceType = file.Name, file.Type.ContentType
		}
		err = s.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := SaveMeasurement(ctx, tx, in, m, web.IdentityFrom(ctx).UserID)
			return err
		})
		if err != nil && m.EvidenceStored != "" {
			store.Discard(m.EvidenceStored)
		}
	}
	if err != nil {
		if formErr(err) {
			return s.measurementPage(w, r, 422, p, in, form.Values, err)
		}
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("%s/indicators/%d", planURL(p), in.ID), "Measurement for "+m.Period+" saved.")
}

func (s *Service) adoptForm(w http.ResponseWriter, r *http.Request) error {
	b, err := Bank(r.Context(), s.DB.Q())
	if err != nil {
		return err
	}
	p := planFrom(r)
	adopted := map[int64]bool{}
	for _, in := range p.Indicators {
		adopted[in.BankIndicatorID] = true
	}
	return s.render(w, r, 200, "adopt.html", adoptView{View: web.View{Title: "Adopt from the outcome bank"}, P: p, Bank: b, Adopted: adopted})
}

func (s *Service) adopt(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	p := planFrom(r)
	id, _ := strconv.ParseInt(r.PostForm.Get("bank_indicator_id"), 10, 64)
	var in *Indicator
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		in, err = Adopt(ctx, tx, p, id)
		return err
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("%s/indicators/%d/edit", planURL(p), in.ID), "Adopted "+in.Name+". Now set your baseline and target.")
}

func (s *Service) importForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, 200, "import.html", importView{View: web.View{Title: "Import measurements"}, P: planFrom(r), Columns: ImportColumns})
}

var csvPolicy = uploads.Policy{Field: "file", Max: 5 << 20, Types: []uploads.Type{uploads.CSV}, Fallback: "measurements.csv"}

func (s *Service) importCSV(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := planFrom(r)
	form, err := uploads.ReadForm(r, csvPolicy.Max)
	var rep *importing.Report
	if err == nil {
		var f *uploads.File
		if f, err = csvPolicy.Check(form); err == nil {
			dry := form.Values.Get("dry_run") == "yes"
			res, ierr := ImportMeasurements(ctx, s.DB, f.Data, p.ID, dry, web.IdentityFrom(ctx).UserID)
			if res != nil {
				rep = res
			}
			err = ierr
			if err == nil {
				if dry {
					return s.render(w, r, 200, "import.html", importView{View: web.View{Title: "Import measurements", Form: form.Values}, P: p, Columns: ImportColumns, Report: res})
				}
				return web.Redirect(w, r, planURL(p), fmt.Sprintf("Imported: %d added, %d changed, %d unchanged.", res.Created, res.Updated, res.Unchanged))
			}
			if apperr.Is(err, apperr.EINVALID) && len(apperr.Fields(err)) == 0 {
				var v apperr.Validation
				first, _, _ := strings.Cut(apperr.Message(err), "\n")
				v.Add("file", first)
				err = v.Err()
			}
		}
	}
	if formErr(err) {
		return s.render(w, r, uploads.Status(err), "import.html", importView{View: web.View{Title: "Import measurements", Err: err, Form: form.Values}, P: p, Columns: ImportColumns, Report: rep})
	}
	return err
}

func (s *Service) report(w http.ResponseWriter, r *http.Request) error {
	p := planFrom(r)
	var charts []reportChart
	for _, v := range views(p) {
		labels, series := ChartSeries(v.Indicator)
		c := reportChart{In: v}
		if len(labels) > 0 {
			c.Chart = web.LineChart(v.Name, labels, series...)
		}
		charts = append(charts, c)
	}
	return s.render(w, r, 200, "report.html", reportView{View: web.View{Title: p.Title + ": outcomes report"}, P: p, Charts: charts, Rule: StatusRule, Now: s.Now()})
}

// MeasurementRow is a measurement with its indicator for the list and
// its export.
type MeasurementRow struct {
	Indicator *Indicator
	M         Measurement
}

func (s *Service) measurementList(w http.ResponseWriter, r *http.Request) error {
	p := planFrom(r)
	var rows []MeasurementRow
	for i := range p.Indicators {
		for _, m := range p.Indicators[i].Measurements {
			rows = append(rows, MeasurementRow{&p.Indicators[i], m})
		}
	}
	people := func(m Measurement) string {
		if m.People == nil {
			return ""
		}
		return strconv.FormatInt(*m.People, 10)
	}
	parts := func(m Measurement) string {
		var out []string
		for k, v := range m.Parts {
			out = append(out, k+"="+strconv.FormatFloat(v, 'f', -1, 64))
		}
		return strings.Join(out, "; ")
	}
	return web.ServeList(s.Web, w, r, web.List[MeasurementRow]{
		Name:    fmt.Sprintf("outcomes-plan-%d-measurements", p.ID),
		PerPage: 50,
		Fetch:   web.Rows(rows),
		Columns: []web.Column[MeasurementRow]{
			{Header: "indicator", Cell: func(x MeasurementRow) string { return strconv.FormatInt(x.Indicator.ID, 10) }},
			{Header: "indicator_name", Cell: func(x MeasurementRow) string { return x.Indicator.Name }},
			{Header: "period", Cell: func(x MeasurementRow) string { return x.M.Period }},
			{Header: "value", Cell: func(x MeasurementRow) string { return x.Indicator.Format(x.M.Value) }},
			{Header: "unit", Cell: func(x MeasurementRow) string { return x.Indicator.Unit }},
			{Header: "parts", Cell: func(x MeasurementRow) string { return parts(x.M) }},
			{Header: "people", Cell: func(x MeasurementRow) string { return people(x.M) }},
			{Header: "source", Cell: func(x MeasurementRow) string { return x.M.Source }},
			{Header: "note", Cell: func(x MeasurementRow) string { return x.M.Note }},
		},
		Item: func(x MeasurementRow) any {
			return map[string]any{"indicator": x.Indicator.ID, "indicator_name": x.Indicator.Name, "period": x.M.Period, "period_start": day(x.M.Start),
				"value": x.M.Value, "unit": x.Indicator.Unit, "parts": x.M.Parts, "people": x.M.People, "source": x.M.Source, "note": x.M.Note}
		},
		Render: func(lp web.ListPage[MeasurementRow]) error {
			return s.render(w, r, 200, "measurements.html", measurementsView{View: web.View{Title: p.Title + ": all measurements"}, P: p, L: lp, Pager: lp.PagerData(r), CSV: lp.CSVURL, JSONURL: lp.JSONURL})
		},
	})
}

func (s *Service) bankAdmin(w http.ResponseWriter, r *http.Request) error {
	return s.bankAdminPage(w, r, 200, url.Values{"rollup": {"sum"}, "kind": {"numeric"}, "frequency": {"quarterly"}}, nil)
}

func (s *Service) bankAdminPage(w http.ResponseWriter, r *http.Request, status int, f url.Values, err error) error {
	b, berr := Bank(r.Context(), s.DB.Q())
	if berr != nil {
		return berr
	}
	themes, terr := s.themeList(r)
	if terr != nil {
		return terr
	}
	return s.render(w, r, status, "bank-admin.html", bankAdminView{View: web.View{Title: "Curate the outcome bank", Form: f, Err: err}, Bank: b, Themes: themes, Kinds: Kinds, Frequencies: Frequencies, Rollups: Rollups})
}

func (s *Service) addBankOutcome(w http.ResponseWriter, r *http.Request) error {
	return s.bankPost(w, r, "Shared outcome added.", func(f url.Values) (func(context.Context, *db.Tx) error, error) {
		b, err := BankOutcomeInput(f)
		return func(ctx context.Context, tx *db.Tx) error { return AddBankOutcome(ctx, tx, b) }, err
	})
}

func (s *Service) addBankIndicator(w http.ResponseWriter, r *http.Request) error {
	return s.bankPost(w, r, "Shared indicator added.", func(f url.Values) (func(context.Context, *db.Tx) error, error) {
		b, err := BankIndicatorInput(f)
		return func(ctx context.Context, tx *db.Tx) error { return AddBankIndicator(ctx, tx, b) }, err
	})
}

// bankPost reads one of the bank's forms (read checks it and says how to
// store it), stores it, and answers on the bank page with the input kept
// when it is refused.
func (s *Service) bankPost(w http.ResponseWriter, r *http.Request, done string, read func(url.Values) (func(context.Context, *db.Tx) error, error)) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	write, err := read(r.PostForm)
	if err == nil {
		err = s.DB.Write(ctx, func(tx *db.Tx) error { return write(ctx, tx) })
	}
	if err != nil {
		if formErr(err) {
			return s.bankAdminPage(w, r, 422, r.PostForm, err)
		}
		return err
	}
	return web.Redirect(w, r, "/admin/outcomes/bank", done)
}

func (s *Service) ladder(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	now := s.Now()
	list, err := LadderList(ctx, s.DB.Q(), now)
	if err != nil {
		return err
	}
	step := -1
	if v := r.URL.Query().Get("step"); v != "" {
		step, _ = strconv.Atoi(v)
	}
	var counts, before [5]int
	for _, e := range list {
		counts[e.Step]++
		before[e.Before]++
	}
	var labels []string
	var nowV, prevV []float64
	for i, l := range StepLabels {
		labels = append(labels, "Step "+l[:1])
		nowV = append(nowV, float64(counts[i]))
		prevV = append(prevV, float64(before[i]))
	}
	chart := web.BarChart("Organisations on each step", labels, web.Series{Name: "Now", Values: nowV, Class: "bar"}, web.Series{Name: "A year ago", Values: prevV, Class: "bar--prev"})
	var shown []LadderEntry
	moved := r.URL.Query().Get("moved") == "up"
	// Each workshop's attendees, on the page without filters (the filters
	// choose the organisations listed below, and the export lists them).
	var workshops []Workshop
	if step < 0 && !moved {
		if workshops, err = Workshops(ctx, s.DB.Q(), now.AddDate(-2, 0, 0), now); err != nil {
			return err
		}
	}
	for _, e := range list {
		if (step < 0 || e.Step == step) && (!moved || e.Step > e.Before) {
			shown = append(shown, e)
		}
	}
	return web.ServeList(s.Web, w, r, web.List[LadderEntry]{
		Name: "outcomes-ladder", PerPage: 50, Fetch: web.Rows(shown),
		Columns: []web.Column[LadderEntry]{
			{Header: "organisation", Cell: func(e LadderEntry) string { return e.Name }},
			{Header: "step", Cell: func(e LadderEntry) string { return strconv.Itoa(e.Step) }},
			{Header: "step_a_year_ago", Cell: func(e LadderEntry) string { return strconv.Itoa(e.Before) }},
			{Header: "outcome_workshops_attended", Cell: func(e LadderEntry) string { return strconv.Itoa(len(e.WorkshopDates)) }},
		},
		Item: func(e LadderEntry) any {
			return map[string]any{"organisation": e.Name, "slug": e.Slug, "step": e.Step, "step_a_year_ago": e.Before, "outcome_workshops_attended": len(e.WorkshopDates)}
		},
		Render: func(lp web.ListPage[LadderEntry]) error {
			return s.render(w, r, 200, "ladder.html", ladderView{View: web.View{Title: "Outcomes adoption ladder"}, L: lp, Pager: lp.PagerData(r), CSV: lp.CSVURL, JSONURL: lp.JSONURL, Counts: counts, Before: before, StepLabels: StepLabels, Rule: LadderRule, Chart: chart, Effect: Effect(list), Step: step, Moved: moved, Total: len(list), Workshops: workshops, WorkshopRule: WorkshopRule, Filtered: step >= 0 || moved})
		},
	})
}

func (s *Service) systems(w http.ResponseWriter, r *http.Request) error {
	list, err := OtherSystems(r.Context(), s.DB.Q(), 0)
	if err != nil {
		return err
	}
	return s.render(w, r, 200, "systems.html", systemsView{View: web.View{Title: "Other outcomes systems to verify"}, Systems: list, Now: s.Now(), Until: day(db.Day(s.Now()).AddDate(1, 0, 0))})
}

func (s *Service) verify(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id, err := web.PathID(r, "id", "Declaration")
	if err != nil {
		return err
	}
	var v apperr.Validation
	until := web.FormDate(&v, r.PostForm, "valid_until", "Enter the date the verification runs to, like 2027-12-31")
	if until == nil && !v.Has("valid_until") {
		v.Add("valid_until", "Enter the date the verification runs to")
	}
	if until != nil && !until.After(s.Now()) {
		v.Add("valid_until", "The verification must run to a date in the future")
	}
	if err := v.Err(); err != nil {
		list, lerr := OtherSystems(ctx, s.DB.Q(), 0)
		if lerr != nil {
			return lerr
		}
		return s.render(w, r, 422, "systems.html", systemsView{View: web.View{Title: "Other outcomes systems to verify", Err: err}, Systems: list, Now: s.Now(), Until: r.PostForm.Get("valid_until")})
	}
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return Verify(ctx, tx, id, *until, web.IdentityFrom(ctx).UserID) }); err != nil {
		return err
	}
	return web.Redirect(w, r, "/admin/outcomes/systems", "Verified.")
}

func (s *Service) systemForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	f := url.Values{}
	if sys, _ := OtherSystems(ctx, s.DB.Q(), org.ID); len(sys) > 0 {
		f.Set("system", sys[0].System)
		f.Set("evidence", sys[0].Evidence)
	}
	return s.render(w, r, 200, "system-form.html", systemFormView{View: web.View{Title: "Declare another outcomes system", Form: f}, Org: org})
}

func (s *Service) declareSystem(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	org, err := accounts.OrgByID(ctx, s.DB.Q(), web.OrgFrom(ctx))
	if err != nil {
		return err
	}
	var v apperr.Validation
	o := &OtherSystem{OrgID: org.ID, System: strings.TrimSpace(r.PostForm.Get("system")), Evidence: strings.TrimSpace(r.PostForm.Get("evidence"))}
	v.Check(o.System != "", "system", "Enter the system you use, like Outcomes Star")
	v.Check(len(o.Evidence) >= 20, "evidence", "Describe the evidence an admin can check (20 characters or more): a recent report, a link to your dashboard")
	err = v.Err()
	if err == nil {
		err = s.DB.Write(ctx, func(tx *db.Tx) error { return Declare(ctx, tx, o, web.IdentityFrom(ctx).UserID) })
	}
	if err != nil {
		if formErr(err) {
			return s.render(w, r, 422, "system-form.html", systemFormView{View: web.View{Title: "Declare another outcomes system", Form: r.PostForm, Err: err}, Org: org})
		}
		return err
	}
	return web.Redirect(w, r, "/orgs/"+org.Slug+"/outcomes", "Declaration sent: an admin will check the evidence.")
}

func (s *Service) evidence() uploads.Store {
	return uploads.NewStore(s.Web.Config.UploadDir(), "outcomes")
}

func (s *Service) evidenceFile(w http.ResponseWriter, r *http.Request) error {
	p := planFrom(r)
	id, err := web.PathID(r, "m", "Evidence")
	if err != nil {
		return err
	}
	for _, in := range p.Indicators {
		for _, m := range in.Measurements {
			if m.ID == id && m.EvidenceStored != "" {
				return s.evidence().Serve(w, r, m.EvidenceStored, m.EvidenceName, m.EvidenceType, m.CreatedAt)
			}
		}
	}
	return apperr.NotFound("Evidence")
}
