package strategy

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
	"partnerhub/internal/partnerships"
	"partnerhub/internal/web"
)

// Routes is the feature's part of the route table.
func (s *Service) Routes() []web.Route {
	return append([]web.Route{
		web.Get("/strategy", web.Public, s.page),
		web.Get("/strategy/outcomes/{id}", web.Public, s.outcomePage),
		web.Get("/strategy/schema.json", web.Public, s.schema),
		web.Get("/admin/strategy", web.Admin, s.admin),
		web.Get("/admin/strategy/export", web.Admin, s.export),
		web.Get("/admin/strategy/milestones/new", web.Admin, s.newMilestone),
		web.Post("/admin/strategy/milestones/new", web.Admin, s.saveMilestone),
		web.Get("/admin/strategy/milestones/{id}", web.Admin, s.editMilestone),
		web.Post("/admin/strategy/milestones/{id}", web.Admin, s.saveMilestone),
		web.Get("/admin/strategy/milestones/{id}/delete", web.Admin, s.confirmDelete),
		web.Post("/admin/strategy/milestones/{id}/delete", web.Admin, s.deleteMilestone),
		web.Get("/admin/strategy/outcomes/{id}", web.Admin, s.editOutcome),
		web.Post("/admin/strategy/outcomes/{id}", web.Admin, s.saveOutcome),
	}, s.reportRoutes()...)
}

// pathMilestone is the milestone {id} names.
func (s *Service) pathMilestone(r *http.Request) (*Milestone, error) {
	id, err := web.PathID(r, "id", "milestone")
	if err != nil {
		return nil, err
	}
	return GetMilestone(r.Context(), s.DB.Q(), id)
}

// pathOutcome is the outcome {id} names.
func (s *Service) pathOutcome(r *http.Request) (*Outcome, error) {
	id, err := web.PathID(r, "id", "outcome")
	if err != nil {
		return nil, err
	}
	return GetOutcome(r.Context(), s.DB.Q(), id)
}

// aimView is an aim with its outcomes' statuses, for the pages.
type aimView struct {
	*Aim
	Outcomes []OutcomeStatus
}

// page is /strategy: the three aims, each outcome with its measures'
// trend sparklines and status, and the milestones timeline.
func (s *Service) page(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st, err := Load(ctx, s.DB.Q())
	if err == ErrNoStrategy {
		return s.Web.Render(w, r, http.StatusOK, "strategy/strategy.html", strategyView{View: web.View{Title: "The strategy"}})
	}
	if err != nil {
		return err
	}
	tr, status, err := s.Status(ctx, st)
	if err != nil {
		return err
	}
	var aims []aimView
	counts := map[string]int{}
	for _, a := range st.Aims {
		av := aimView{Aim: a}
		for _, o := range a.Outcomes {
			av.Outcomes = append(av.Outcomes, status[o.ID])
			counts[status[o.ID].Status]++
		}
		aims = append(aims, av)
	}
	reports, err := PublishedYears(ctx, s.DB.Q())
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "strategy/strategy.html", strategyView{
		View:     web.View{Title: st.Title, Description: "Blackpool's Consortia and Partnership Strategy as a live record: its aims, each outcome's trend and status, and its milestones."},
		Strategy: st,
		Aims:     aims,
		Trends:   tr,
		Year:     tr.Labels[len(tr.Labels)-1],
		Rule:     RAGRule,
		Counts:   counts,
		RAG:      RAGLabels,
		Today:    s.Now(),
		Reports:  reports,
		Current:  tr.To + 1,
	})
}

// outcomePage is one outcome's multi-year line chart per measure, with
// the table beside it and the figures as CSV (?format=csv).
func (s *Service) outcomePage(w http.ResponseWriter, r *http.Request) error {
	o, err := s.pathOutcome(r)
	if err != nil {
		return err
	}
	tr, _, err := s.Status(r.Context(), nil)
	if err != nil {
		return err
	}
	os := Assess(o, tr)
	if web.ExportFormat(r) == "csv" {
		header := append([]string{"Measure", "Key"}, tr.Labels...)
		var rows [][]string
		for _, m := range os.Measures {
			row := []string{m.Trend.Label, m.Trend.Key}
			for _, v := range m.Trend.Values {
				if v == nil {
					row = append(row, "")
				} else {
					row = append(row, strconv.FormatFloat(*v, 'f', -1, 64))
				}
			}
			rows = append(rows, row)
		}
		return web.SpreadsheetCSV(w, "strategy-outcome-"+strconv.FormatInt(o.ID, 10)+".csv", header, rows)
	}
	var charts []outcomeChart
	for _, m := range os.Measures {
		series := []web.Series{{Name: m.Trend.Label, Values: m.Trend.Floats()}}
		if o.Target != nil {
			tv := make([]float64, len(m.Trend.Values))
			for i := range tv {
				tv[i] = *o.Target
			}
			series = append(series, web.Series{Name: "Target", Values: tv})
		}
		c := outcomeChart{MeasureStatus: m, SVG: web.LineChart(m.Trend.Label+" by year", tr.Labels, series...)}
		for i, l := range m.Trend.Labels {
			c.Rows = append(c.Rows, [2]string{l, NumPtr(m.Trend.Values[i])})
		}
		charts = append(charts, c)
	}
	return s.Web.Render(w, r, http.StatusOK, "strategy/outcome.html", outcomeView{
		View:     web.View{Title: o.Title, Description: "The outcome \u201c" + o.Title + "\u201d of the strategy: its measures year by year and its status."},
		Outcome:  os,
		Charts:   charts,
		Labels:   tr.Labels,
		Rule:     RAGRule,
		RAGWords: RAGLabels,
	})
}

func (s *Service) schema(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/schema+json")
	_, err := w.Write(schemaJSON)
	return err
}

func (s *Service) admin(w http.ResponseWriter, r *http.Request) error {
	st, err := Load(r.Context(), s.DB.Q())
	if err != nil && err != ErrNoStrategy {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "strategy/admin.html", adminView{View: web.View{Title: "Manage the strategy"}, Strategy: st, Today: s.Now()})
}

// export is the stored strategy as a strategy file (JSON download).
func (s *Service) export(w http.ResponseWriter, r *http.Request) error {
	st, err := Load(r.Context(), s.DB.Q())
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(st.Export(), "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="strategy.json"`)
	_, err = w.Write(append(b, '\n'))
	return err
}

func milestoneForm(m *Milestone) url.Values {
	aim := ""
	if m.AimID != 0 {
		aim = strconv.FormatInt(m.AimID, 10)
	}
	return url.Values{"title": {m.Title}, "due_on": {m.Due.Format(time.DateOnly)}, "status": {m.Status}, "aim": {aim}, "evidence": {FormatEvidence(m.Evidence)}, "note": {m.Note}}
}

func (s *Service) renderMilestone(w http.ResponseWriter, r *http.Request, status int, id int64, form url.Values, err error) error {
	st, lerr := Load(r.Context(), s.DB.Q())
	if lerr != nil {
		return lerr
	}
	title := "Add a milestone"
	if id != 0 {
		title = "Edit milestone"
	}
	return s.Web.Render(w, r, status, "strategy/milestone_form.html", milestoneFormView{
		View:     web.View{Title: title, Form: form, Err: err},
		ID:       id,
		Aims:     st.Aims,
		Statuses: Statuses,
	})
}

func (s *Service) newMilestone(w http.ResponseWriter, r *http.Request) error {
	return s.renderMilestone(w, r, http.StatusOK, 0, url.Values{"status": {"planned"}}, nil)
}

func (s *Service) editMilestone(w http.ResponseWriter, r *http.Request) error {
	m, err := s.pathMilestone(r)
	if err != nil {
		return err
	}
	return s.renderMilestone(w, r, http.StatusOK, m.ID, milestoneForm(m), nil)
}

// readMilestone checks a milestone form.
func readMilestone(form url.Values, aims []*Aim) (*Milestone, error) {
	v := &apperr.Validation{}
	m := &Milestone{Title: clean.Line(form.Get("title")), Status: form.Get("status"), Note: clean.Text(form.Get("note"))}
	switch {
	case m.Title == "":
		v.Add("title", "Enter the milestone")
	case len([]rune(m.Title)) > 300:
		v.Add("title", "Milestone must be 300 characters or fewer")
	}
	if d := web.FormDate(v, form, "due_on", "Enter the date as YYYY-MM-DD, for example 2012-11-30"); d != nil {
		m.Due = *d
	} else if strings.TrimSpace(form.Get("due_on")) == "" {
		v.Add("due_on", "Enter the date the milestone is due")
	}
	if !slices.Contains(Statuses, m.Status) {
		v.Add("status", "Choose the milestone's status")
	}
	if a := form.Get("aim"); a != "" {
		n, _ := strconv.ParseInt(a, 10, 64)
		ok := false
		for _, x := range aims {
			ok = ok || x.ID == n
		}
		if !ok {
			v.Add("aim", "Choose an aim from the list")
		}
		m.AimID = n
	}
	m.Evidence = ParseEvidence(form.Get("evidence"))
	for _, e := range m.Evidence {
		if !CheckHref(e.Href) {
			v.Add("evidence", "Each link must be a path on this site starting with / (for example /events/stats) or an https:// address: "+e.Href)
			break
		}
	}
	if len(m.Evidence) > 20 {
		v.Add("evidence", "Give at most 20 links")
	}
	return m, v.Err()
}

func (s *Service) saveMilestone(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var id int64
	if r.PathValue("id") != "" {
		m, err := s.pathMilestone(r)
		if err != nil {
			return err
		}
		id = m.ID
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	st, err := Load(ctx, s.DB.Q())
	if err != nil {
		return err
	}
	m, err := readMilestone(r.PostForm, st.Aims)
	if err != nil {
		return s.renderMilestone(w, r, http.StatusUnprocessableEntity, id, r.PostForm, err)
	}
	m.ID = id
	action := "strategy.milestone.update"
	if id == 0 {
		action = "strategy.milestone.create"
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := SaveMilestone(ctx, tx, m, s.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, action, "strategy_milestone", m.ID, m.Title+" ("+m.Status+", "+m.Due.Format(time.DateOnly)+")")
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admin/strategy#milestones", "Milestone saved.")
}

func (s *Service) confirmDelete(w http.ResponseWriter, r *http.Request) error {
	m, err := s.pathMilestone(r)
	if err != nil {
		return err
	}
	return s.Web.Confirm(w, r, web.Confirm{Title: "Delete milestone", Question: "Are you sure you want to delete the milestone \u201c" + m.Title + "\u201d?",
		Detail: "It will no longer show on the strategy page or in any State of the Sector report not yet published. Published reports keep it.",
		Button: "Delete milestone", Back: "/admin/strategy/milestones/" + strconv.FormatInt(m.ID, 10)})
}

func (s *Service) deleteMilestone(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, err := s.pathMilestone(r)
	if err != nil {
		return err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := DeleteMilestone(ctx, tx, m.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "strategy.milestone.delete", "strategy_milestone", m.ID, m.Title)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admin/strategy#milestones", "Milestone deleted.")
}

func (s *Service) renderOutcome(w http.ResponseWriter, r *http.Request, status int, o *Outcome, form url.Values, err error) error {
	return s.Web.Render(w, r, status, "strategy/outcome_form.html", outcomeFormView{
		View:    web.View{Title: "Edit outcome", Form: form, Err: err},
		Outcome: o,
		Defs:    partnerships.AllDefinitions(s.Sources()),
	})
}

func (s *Service) editOutcome(w http.ResponseWriter, r *http.Request) error {
	o, err := s.pathOutcome(r)
	if err != nil {
		return err
	}
	form := url.Values{"title": {o.Title}, "measures": o.Measures, "direction": {o.Direction}}
	if o.Target != nil {
		form.Set("target", strconv.FormatFloat(*o.Target, 'f', -1, 64))
	}
	return s.renderOutcome(w, r, http.StatusOK, o, form, nil)
}

func (s *Service) saveOutcome(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o, err := s.pathOutcome(r)
	if err != nil {
		return err
	}
	id := o.ID
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	v := &apperr.Validation{}
	n := &Outcome{ID: id, Title: clean.Line(f.Get("title")), Direction: f.Get("direction")}
	if n.Title == "" {
		v.Add("title", "Enter the outcome")
	} else if len([]rune(n.Title)) > 300 {
		v.Add("title", "Outcome must be 300 characters or fewer")
	}
	known := knownKeys(s.Sources())
	for _, m := range f["measures"] {
		if _, ok := known[m]; !ok {
			v.Add("measures", "Choose measures from the list")
			break
		}
		n.Measures = append(n.Measures, m)
	}
	if len(n.Measures) == 0 {
		v.Add("measures", "Choose at least one measure that shows the outcome")
	} else if len(n.Measures) > 5 {
		v.Add("measures", "Choose at most 5 measures")
	}
	if n.Direction != "up" && n.Direction != "down" {
		v.Add("direction", "Choose whether up or down is good")
	}
	if t := strings.TrimSpace(f.Get("target")); t != "" {
		x, err := strconv.ParseFloat(strings.ReplaceAll(t, ",", ""), 64)
		if err != nil || x != x || x > 1e12 || x < -1e12 {
			v.Add("target", "Enter the target as a number, for example 120 or 45.5")
		} else {
			n.Target = &x
		}
	}
	if err := v.Err(); err != nil {
		return s.renderOutcome(w, r, http.StatusUnprocessableEntity, o, f, err)
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := SaveOutcome(ctx, tx, n, s.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "strategy.outcome.update", "strategy_outcome", id, n.Title+": "+strings.Join(n.Measures, " ")+" "+n.Direction)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/strategy/outcomes/"+strconv.FormatInt(id, 10), "Outcome saved.")
}
