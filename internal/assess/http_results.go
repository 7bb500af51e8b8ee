package assess

import (
	"fmt"
	"net/http"
	"partnerhub/internal/clean"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// resultsData scores the assessment: the reviewer's ratings once a
// reviewed framework has them, else the self-assessment.
func (s *Service) resultsData(r *http.Request, v *view) (self, final Result, reviewed bool, err error) {
	ctx := r.Context()
	ans, err := Answers(ctx, s.DB.Q(), "assess_answers", v.A.ID)
	if err != nil {
		return
	}
	self = Score(v.FW.F, Ratings(ans))
	final = self
	if v.FW.F.Review {
		rev, e := Answers(ctx, s.DB.Q(), "assess_reviews", v.A.ID)
		if e != nil {
			err = e
			return
		}
		if len(rev) > 0 && (v.A.Status == StatusDecided || v.Ac.Reviewer || v.Ac.Admin) {
			final = Score(v.FW.F, Ratings(rev))
			reviewed = true
		}
	}
	return
}

func (s *Service) results(w http.ResponseWriter, r *http.Request) error {
	v, err := s.load(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	self, final, reviewed, err := s.resultsData(r, v)
	if err != nil {
		return err
	}
	if web.ExportFormat(r) != "" {
		return s.serveResultsTable(w, r, v.A, self, final, reviewed)
	}
	actions, err := Actions(ctx, s.DB.Q(), v.A.ID)
	if err != nil {
		return err
	}
	awards, err := AwardsOf(ctx, s.DB.Q(), v.A.ID)
	if err != nil {
		return err
	}
	var labels []string
	var selfV, finalV []float64
	for i, a := range final.Areas {
		labels = append(labels, a.Title)
		selfV = append(selfV, self.Areas[i].Score)
		finalV = append(finalV, a.Score)
	}
	series := []web.Series{{Name: "Self-assessed", Values: selfV, Class: "bar--prev"}}
	if reviewed {
		series = append(series, web.Series{Name: "Reviewer", Values: finalV})
	}
	day := Today(s.Now())
	return s.Web.Render(w, r, 200, "assess/results.html", resultsView{
		View:     web.View{Title: "Results: " + v.A.SubjectName, Form: r.PostForm},
		V:        v,
		Self:     self,
		Final:    final,
		Reviewed: reviewed,
		Chart:    web.BarChart("Score by area (0 to 100)", labels, series...),
		Actions:  actions,
		Awards:   awards,
		Today:    day,
		CanEdit:  v.Ac.Contributor,
	})
}

func (s *Service) readAction(r *http.Request, x *Action) error {
	x.Title = clean.Text(r.PostForm.Get("title"))
	x.Owner = clean.Text(r.PostForm.Get("owner"))
	x.Status = r.PostForm.Get("status")
	if x.Status == "" {
		x.Status = "open"
	}
	v := &apperr.Validation{}
	x.DueOn = web.FormDate(v, r.PostForm, "due_on", "Enter the due date as a real date, for example 2027-03-31")
	if err := v.Err(); err != nil {
		return err
	}
	return nil
}

// loadActionPlan loads an assessment for a contributor, who may change its
// action plan.
func (s *Service) loadActionPlan(r *http.Request) (*view, error) {
	v, err := s.load(r)
	if err != nil {
		return nil, err
	}
	if !v.Ac.Contributor {
		return nil, apperr.Errorf(apperr.EFORBIDDEN, "Only contributors can change the action plan")
	}
	return v, nil
}

// saveAction reads the action form into x and saves it, then goes back to
// the action plan: with why it was not saved (notSaved + the first
// message) when the input is invalid, else with saved.
func (s *Service) saveAction(w http.ResponseWriter, r *http.Request, v *view, x *Action, notSaved, saved string) error {
	ctx := r.Context()
	err := s.readAction(r, x)
	if err == nil {
		err = s.DB.Write(ctx, func(tx *db.Tx) error { return SaveAction(ctx, tx, v.A, x) })
	}
	if apperr.Is(err, apperr.EINVALID) {
		return web.Redirect(w, r, fmt.Sprintf("/assessments/%d/results#actions", v.A.ID), notSaved+errMsg(err)+".")
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/assessments/%d/results#actions", v.A.ID), saved)
}

func (s *Service) actionAdd(w http.ResponseWriter, r *http.Request) error {
	v, err := s.loadActionPlan(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	x := &Action{Indicator: r.PostForm.Get("indicator")}
	return s.saveAction(w, r, v, x, "The action was not added: ", "The action has been added.")
}

func (s *Service) actionsFromGaps(w http.ResponseWriter, r *http.Request) error {
	v, err := s.loadActionPlan(r)
	if err != nil {
		return err
	}
	_, final, _, err := s.resultsData(r, v)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var n int
	if err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		n, err = ActionsFromGaps(ctx, tx, v.A, final.Gaps)
		return err
	}); err != nil {
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/assessments/%d/results#actions", v.A.ID), fmt.Sprintf("%d actions added from the gaps.", n))
}

func (s *Service) actionUpdate(w http.ResponseWriter, r *http.Request) error {
	v, err := s.loadActionPlan(r)
	if err != nil {
		return err
	}
	aid, err := web.PathID(r, "aid", "action")
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	actions, err := Actions(ctx, s.DB.Q(), v.A.ID)
	if err != nil {
		return err
	}
	var x *Action
	for i := range actions {
		if actions[i].ID == aid {
			x = &actions[i]
		}
	}
	if x == nil {
		return apperr.NotFound("action")
	}
	return s.saveAction(w, r, v, x, "The action was not changed: ", "The action has been updated.")
}
