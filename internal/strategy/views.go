package strategy

// The data of each page, one type per template (see web.View); a page with
// nothing beyond a title and a form gets a web.View itself.

import (
	"partnerhub/internal/partnerships"
	"partnerhub/internal/web"
	"time"
)

// adminView is the data of strategy/admin.html.
type adminView struct {
	web.View
	Strategy *Strategy
	Today    time.Time
}

// milestoneFormView is the data of strategy/milestone_form.html.
type milestoneFormView struct {
	web.View
	ID       int64
	Aims     []*Aim
	Statuses []string
}

// outcomeView is the data of strategy/outcome.html.
type outcomeView struct {
	web.View
	Outcome  OutcomeStatus
	Charts   []outcomeChart
	Labels   []string
	Rule     []string
	RAGWords map[string]string
}

// outcomeFormView is the data of strategy/outcome_form.html.
type outcomeFormView struct {
	web.View
	Outcome *Outcome
	Defs    []partnerships.MeasureDef
}

// reportView is the data of strategy/report.html.
type reportView struct {
	web.View
	Report       *Report
	Chapters     []chapterView
	StatusLabels map[string]string
	RAG          map[string]string
	Rule         []string
}

// reportAdminView is the data of strategy/report_admin.html.
type reportAdminView struct {
	web.View
	Report  *Report
	Chapter string
}

// reportsView is the data of strategy/reports.html.
type reportsView struct {
	web.View
	Published []PublishedYear
	Drafts    []int
}

// strategyView is the data of strategy/strategy.html.
type strategyView struct {
	web.View
	Strategy *Strategy
	Aims     []aimView
	Trends   *Trends
	Year     string
	Rule     []string
	Counts   map[string]int
	RAG      map[string]string
	Today    time.Time
	Reports  []PublishedYear
	Current  int
}

// outcomeChart is one measure's chart on the outcome page.
type outcomeChart struct {
	MeasureStatus
	SVG  any
	Rows [][2]string
}
