package assess

import (
	"fmt"
	"net/http"
	"partnerhub/internal/clean"
	"strconv"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// hcPartnerships are the partnerships whose health checks the user may
// open: those they own (editor or owner of the lead organisation), or all
// for admins.
func (s *Service) hcPartnerships(r *http.Request) ([]Subject, error) {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	f := &Framework{Subject: "partnership"}
	if id.Admin {
		return OpenPartnershipSubjects(ctx, s.DB.Q())
	}
	return OwnedSubjects(ctx, s.DB.Q(), f, id.UserID)
}

func (s *Service) hcList(w http.ResponseWriter, r *http.Request) error {
	return s.renderHCList(w, r, 200, nil)
}

// renderHCList serves the health checks list (its exports too), or with
// a status other than 200 re-renders the page with the start form's error.
func (s *Service) renderHCList(w http.ResponseWriter, r *http.Request, status int, err error) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	rounds, rerr := RoundsFor(ctx, s.DB.Q(), id.UserID, id.Admin)
	if rerr != nil {
		return rerr
	}
	l := s.roundList(rounds, func(p web.ListPage[*Round]) error {
		owned, oerr := s.hcPartnerships(r)
		if oerr != nil {
			return oerr
		}
		fw, ferr := CurrentFramework(ctx, s.DB.Q(), KeyHealthCheck)
		if ferr != nil {
			return ferr
		}
		return s.Web.Render(w, r, status, "assess/hc-list.html", hcListView{
			View:    web.View{Title: "Partnership health checks", Err: err, Form: r.PostForm},
			Rounds:  p.Items,
			Owned:   owned,
			F:       fw.F,
			Today:   Today(s.Now()),
			CSV:     p.CSVURL,
			JSONURL: p.JSONURL,
		})
	})
	if status != http.StatusOK { // the start form's answer, never an export
		return l.Render(web.ListPage[*Round]{Items: rounds, Total: len(rounds), CSVURL: web.ExportURL(r, "csv"), JSONURL: web.ExportURL(r, "json")})
	}
	return web.ServeList(s.Web, w, r, l)
}

func (s *Service) hcOpen(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	pid, _ := strconv.ParseInt(r.PostForm.Get("partnership"), 10, 64)
	owned, err := s.hcPartnerships(r)
	if err != nil {
		return err
	}
	ok := false
	for _, p := range owned {
		ok = ok || p.ID == pid
	}
	v := &apperr.Validation{}
	v.Check(ok, "partnership", "Choose a partnership you manage")
	closes := web.FormDate(v, r.PostForm, "closes_on", "Enter the closing date as a real date, for example 2027-03-31")
	if err := v.Err(); err != nil {
		return s.renderHCList(w, r, 422, err)
	}
	var round *Round
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		if round, err = OpenRound(ctx, tx, pid, clean.Text(r.PostForm.Get("title")), closes); err != nil {
			return err
		}
		_, err = TellRoundOpened(ctx, tx, round, s.Web.Config.BaseURL)
		return err
	})
	if apperr.Is(err, apperr.EINVALID) {
		return s.renderHCList(w, r, 422, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/health-checks/%d", round.ID), "The health check is open. Ask each partner's representatives to answer it.")
}

// loadRound returns the round of the path, which the route's policy
// (seeRound, leadRound: policy.go) let the caller see.
func (s *Service) loadRound(r *http.Request) (*Round, *FrameworkRow, error) {
	if v, ok := web.ObjectFrom(r.Context()).(*roundView); ok {
		return v.R, v.FW, nil
	}
	return nil, nil, web.ErrNotFound() // a route without the policy: nobody gets in
}

func (s *Service) hcRound(w http.ResponseWriter, r *http.Request) error {
	round, fw, err := s.loadRound(r)
	if err != nil {
		return err
	}
	return s.renderRound(w, r, round, fw, 200, nil)
}

func (s *Service) renderRound(w http.ResponseWriter, r *http.Request, round *Round, fw *FrameworkRow, status int, err error) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	day := Today(s.Now())
	org, oerr := RespondentOrg(ctx, s.DB.Q(), round.PartnershipID, id.UserID)
	if oerr != nil {
		return oerr
	}
	responded, herr := HasResponded(ctx, s.DB.Q(), round.ID, id.UserID)
	if herr != nil {
		return herr
	}
	res, rerr := RoundResult(ctx, s.DB.Q(), round, fw.F, day)
	if rerr != nil {
		return rerr
	}
	rates, _ := ResponseRates(ctx, s.DB.Q(), round.ID)
	trend, terr := Trends(ctx, s.DB.Q(), round.PartnershipID, day)
	if terr != nil {
		return terr
	}
	if web.ExportFormat(r) != "" {
		return s.serveRoundTable(w, r, round, res)
	}
	owner, _ := IsSubjectOwner(ctx, s.DB.Q(), "partnership", round.PartnershipID, id.UserID)
	data := hcRoundView{
		View:       web.View{Title: "Health check: " + round.PartnershipName, Err: err, Form: r.PostForm},
		Round:      round,
		F:          fw.F,
		Res:        res,
		Rates:      rates,
		CanRespond: org != 0 && !responded && !round.Closed(day),
		Responded:  responded,
		Closed:     round.Closed(day),
		CanClose:   (owner || id.Admin) && !round.Closed(day),
		Min:        MinRespondents,
		Trend:      trend,
	}
	if res.Shown {
		var labels []string
		var means []float64
		for _, p := range res.Principles {
			labels = append(labels, p.Title)
			means = append(means, p.Mean)
		}
		data.Chart = web.BarChart("Average agreement by principle (1 to 5)", labels, web.Series{Name: "Average", Values: means})
	}
	if len(trend.Rounds) > 1 {
		var series []web.Series
		for i, p := range trend.Principles {
			series = append(series, web.Series{Name: p, Values: trend.Means[i]})
		}
		data.TrendChart = web.LineChart("Average by principle across rounds", trend.Rounds, series...)
	}
	return s.Web.Render(w, r, status, "assess/hc-round.html", data)
}

func (s *Service) hcRespond(w http.ResponseWriter, r *http.Request) error {
	round, fw, err := s.loadRound(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	org, err := RespondentOrg(ctx, s.DB.Q(), round.PartnershipID, id.UserID)
	if err != nil {
		return err
	}
	if org == 0 {
		return apperr.Errorf(apperr.EFORBIDDEN, "Only representatives of the partnership's member organisations can answer")
	}
	answers := map[string]int{}
	for _, a := range fw.F.Areas {
		for _, in := range a.Indicators {
			if n, err := strconv.Atoi(r.PostForm.Get("s_" + in.Code)); err == nil {
				answers[in.Code] = n
			}
		}
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error { return Respond(ctx, tx, round, fw.F, id.UserID, org, answers) })
	if apperr.Is(err, apperr.EINVALID) {
		return s.renderRound(w, r, round, fw, 422, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/health-checks/%d", round.ID), "Thank you. Your answers have been recorded anonymously.")
}

func (s *Service) hcCloseForm(w http.ResponseWriter, r *http.Request) error {
	round, err := s.loadClosable(r)
	if err != nil {
		return err
	}
	return s.Web.Confirm(w, r, web.Confirm{Title: "Close health check",
		Question: fmt.Sprintf("Are you sure you want to close %s?", round.Title),
		Detail:   fmt.Sprintf("Nobody else will be able to answer. Results are shown when at least %d people have answered.", MinRespondents),
		Button:   "Close health check", Back: fmt.Sprintf("/health-checks/%d", round.ID), BackText: "Cancel"})
}

// loadClosable loads the round in the path, which the leadRound policy
// let the caller close (an editor or owner of the lead organisation, or an
// admin).
func (s *Service) loadClosable(r *http.Request) (*Round, error) {
	round, _, err := s.loadRound(r)
	return round, err
}

func (s *Service) hcClose(w http.ResponseWriter, r *http.Request) error {
	round, err := s.loadClosable(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return CloseRound(ctx, tx, round) }); err != nil {
		return err
	}
	return web.Redirect(w, r, fmt.Sprintf("/health-checks/%d", round.ID), "The health check has closed.")
}
