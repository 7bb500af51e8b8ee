package assess

// The assessment lists (the hub, the review queue and the health checks)
// and the results tables, served by web.ServeList.

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"partnerhub/internal/web"
)

// Roles of the caller in a row of the hub.
const (
	RoleContributor = "contributor"
	RoleReviewer    = "reviewer"
)

// roleRow is an assessment and the caller's part in it.
type roleRow struct {
	A    *Assessment
	Role string
}

func optionalScore(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// assessmentColumns are the CSV columns of a list of assessments.
func assessmentColumns[T any](a func(T) *Assessment) []web.Column[T] {
	return []web.Column[T]{
		{Header: "id", Cell: func(x T) string { return strconv.FormatInt(a(x).ID, 10) }},
		{Header: "kind", Cell: func(x T) string { return a(x).Kind }},
		{Header: "subject", Cell: func(x T) string { return a(x).SubjectName }},
		{Header: "status", Cell: func(x T) string { return a(x).Status }},
		{Header: "result", Cell: func(x T) string { return a(x).Result }},
		{Header: "updated_on", Cell: func(x T) string { return a(x).UpdatedAt.Format(time.DateOnly) }},
	}
}

// assessmentItem is an assessment as a JSON list item.
func (s *Service) assessmentItem(a *Assessment) map[string]any {
	return map[string]any{"id": a.ID, "kind": a.Kind, "subject_type": a.SubjectType, "subject": a.SubjectName, "status": a.Status,
		"result": a.Result, "self_score": optionalScore(a.SelfScore), "score": optionalScore(a.Score), "reviewer": a.ReviewerName,
		"updated_at": a.UpdatedAt, "url": s.Web.Config.BaseURL + fmt.Sprintf("/assessments/%d", a.ID)}
}

// hub lists the caller's assessments and reviews (one list, each row with
// the caller's role), and the health checks of their partnerships.
func (s *Service) hub(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	mine, err := List(ctx, s.DB.Q(), ListFilter{UserID: id.UserID})
	if err != nil {
		return err
	}
	reviews, err := List(ctx, s.DB.Q(), ListFilter{UserID: id.UserID, Reviewer: true})
	if err != nil {
		return err
	}
	rounds, err := RoundsFor(ctx, s.DB.Q(), id.UserID, false)
	if err != nil {
		return err
	}
	rows := make([]roleRow, 0, len(mine)+len(reviews))
	for _, a := range mine {
		rows = append(rows, roleRow{a, RoleContributor})
	}
	for _, a := range reviews {
		rows = append(rows, roleRow{a, RoleReviewer})
	}
	return web.ServeList(s.Web, w, r, web.List[roleRow]{
		Name: "assessments", PerPage: web.Unpaged, Fetch: web.Rows(rows),
		Columns: append(assessmentColumns(func(x roleRow) *Assessment { return x.A }),
			web.Column[roleRow]{Header: "role", Cell: func(x roleRow) string { return x.Role }}),
		Item: func(x roleRow) any {
			m := s.assessmentItem(x.A)
			m["role"] = x.Role
			return m
		},
		Render: func(p web.ListPage[roleRow]) error {
			var mine, reviews []*Assessment
			for _, x := range p.Items {
				if x.Role == RoleReviewer {
					reviews = append(reviews, x.A)
				} else {
					mine = append(mine, x.A)
				}
			}
			return s.Web.Render(w, r, 200, "assess/hub.html", hubView{
				View:    web.View{Title: "Assessments"},
				Mine:    mine,
				Reviews: reviews,
				Rounds:  rounds,
				CSV:     p.CSVURL,
				JSONURL: p.JSONURL,
			})
		},
	})
}

// reviewList is the reviewer's queue: assigned reviews, and for admins
// every assessment awaiting review.
func (s *Service) reviewList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	list, err := List(ctx, s.DB.Q(), ListFilter{UserID: id.UserID, Reviewer: true, Admin: id.Admin})
	if err != nil {
		return err
	}
	self := func(a *Assessment) *Assessment { return a }
	return web.ServeList(s.Web, w, r, web.List[*Assessment]{
		Name: "reviews", PerPage: web.Unpaged, Fetch: web.Rows(list),
		Columns: append(assessmentColumns(self), web.Column[*Assessment]{Header: "reviewer", Cell: func(a *Assessment) string { return a.ReviewerName }}),
		Item:    func(a *Assessment) any { return s.assessmentItem(a) },
		Render: func(p web.ListPage[*Assessment]) error {
			var assessors []Person
			if id.Admin {
				if assessors, err = Assessors(ctx, s.DB.Q()); err != nil {
					return err
				}
			}
			return s.Web.Render(w, r, 200, "assess/review-list.html", reviewListView{
				View:      web.View{Title: "Reviews"},
				List:      p.Items,
				Assessors: assessors,
				CSV:       p.CSVURL,
				JSONURL:   p.JSONURL,
			})
		},
	})
}

// roundList is the health checks list as a web.List; render shows it.
func (s *Service) roundList(rounds []*Round, render func(web.ListPage[*Round]) error) web.List[*Round] {
	day := Today(s.Now())
	state := func(x *Round) string {
		if x.Closed(day) {
			return "closed"
		}
		return "open"
	}
	date := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	return web.List[*Round]{
		Name: "health-checks", PerPage: web.Unpaged, Fetch: web.Rows(rounds),
		Columns: []web.Column[*Round]{
			{Header: "partnership", Cell: func(x *Round) string { return x.PartnershipName }},
			{Header: "round", Cell: func(x *Round) string { return x.Title }},
			{Header: "opened_on", Cell: func(x *Round) string { return x.OpenedAt.Format(time.DateOnly) }},
			{Header: "closes_on", Cell: func(x *Round) string { return date(x.ClosesOn) }},
			{Header: "answered", Cell: func(x *Round) string { return strconv.Itoa(x.Respondents) }},
			{Header: "status", Cell: state},
		},
		Item: func(x *Round) any {
			return map[string]any{"id": x.ID, "partnership": x.PartnershipName, "round": x.Title, "opened_at": x.OpenedAt,
				"closes_on": date(x.ClosesOn), "answered": x.Respondents, "status": state(x),
				"url": s.Web.Config.BaseURL + fmt.Sprintf("/health-checks/%d", x.ID)}
		},
		Render: render,
	}
}

// areaResult is one area of an assessment's results: self-assessed and final.
type areaResult struct{ Self, Final AreaScore }

// serveResultsTable is the results table by area as CSV or JSON (the page
// draws it beside its chart).
func (s *Service) serveResultsTable(w http.ResponseWriter, r *http.Request, a *Assessment, self, final Result, reviewed bool) error {
	rows := make([]areaResult, len(final.Areas))
	for i, x := range final.Areas {
		rows[i] = areaResult{self.Areas[i], x}
	}
	num := func(f float64) string { return fmt.Sprint(f) }
	return web.ServeList(s.Web, w, r, web.List[areaResult]{
		Name: fmt.Sprintf("assessment-%d-results", a.ID), Fetch: web.Rows(rows),
		Columns: []web.Column[areaResult]{
			{Header: "area", Cell: func(x areaResult) string { return x.Final.Title }},
			{Header: "self_assessed_score", Cell: func(x areaResult) string { return num(x.Self.Score) }},
			{Header: "score", Cell: func(x areaResult) string { return num(x.Final.Score) }},
			{Header: "rated", Cell: func(x areaResult) string { return fmt.Sprintf("%d/%d", x.Final.Rated, x.Final.Total) }},
		},
		Item: func(x areaResult) any {
			return map[string]any{"area": x.Final.Code, "title": x.Final.Title, "self_assessed_score": x.Self.Score, "score": x.Final.Score,
				"rated": x.Final.Rated, "indicators": x.Final.Total}
		},
		Meta: func() map[string]any {
			return map[string]any{"assessment": a.ID, "status": a.Status, "result": a.Result, "reviewed": reviewed,
				"self_assessed_overall": self.Overall, "overall": final.Overall, "complete": final.Complete}
		},
	})
}

// serveRoundTable is a health check round's results by principle as CSV
// or JSON: nothing before the round closes with enough answers, never one
// person's answers.
func (s *Service) serveRoundTable(w http.ResponseWriter, r *http.Request, round *Round, res HCResult) error {
	num := func(f float64) string { return fmt.Sprint(f) }
	return web.ServeList(s.Web, w, r, web.List[PrincipleResult]{
		Name: fmt.Sprintf("health-check-%d", round.ID), Fetch: web.Rows(res.Principles),
		Columns: []web.Column[PrincipleResult]{
			{Header: "principle", Cell: func(p PrincipleResult) string { return p.Title }},
			{Header: "average", Cell: func(p PrincipleResult) string { return num(p.Mean) }},
			{Header: "spread_sd", Cell: func(p PrincipleResult) string { return num(p.SD) }},
			{Header: "agree_pct", Cell: func(p PrincipleResult) string { return num(p.AgreePct) }},
			{Header: "disagree_pct", Cell: func(p PrincipleResult) string { return num(p.DisagreePct) }},
			{Header: "spread", Cell: func(p PrincipleResult) string { return p.Spread }},
		},
		Item: func(p PrincipleResult) any {
			st := make([]map[string]any, len(p.Statements))
			for i, x := range p.Statements {
				st[i] = map[string]any{"code": x.Code, "text": x.Text, "average": x.Mean, "spread_sd": x.SD}
			}
			return map[string]any{"principle": p.Code, "title": p.Title, "average": p.Mean, "spread_sd": p.SD, "agree_pct": p.AgreePct,
				"disagree_pct": p.DisagreePct, "spread": p.Spread, "participants": p.Participants, "statements": st}
		},
		Meta: func() map[string]any {
			return map[string]any{"round": round.Title, "respondents": res.Respondents, "shown": res.Shown}
		},
	})
}
