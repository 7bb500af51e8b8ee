package assess

// The data of each page, one type per template (see web.View); a page with
// nothing beyond a title and a form gets a web.View itself.

import (
	"html/template"
	"partnerhub/internal/web"
	"time"
)

// areaView is the data of assess/area.html.
type areaView struct {
	web.View
	V        *view
	Area     *Area
	Answers  map[string]Answer
	Evidence map[string][]Evidence
	FileHint string
	Links    []LinkableRecord
	Editable bool
}

// assessmentView is the data of assess/assessment.html.
type assessmentView struct {
	web.View
	V            *view
	Rows         []areaRow
	Res          Result
	Contributors []Contributor
	Invited      []Invitation
	Assessors    []Person
	Request      *HistoryEntry
}

// assessorsView is the data of assess/assessors.html.
type assessorsView struct {
	web.View
	List []Person
}

// frameworkView is the data of assess/framework.html.
type frameworkView struct {
	web.View
	FW         *FrameworkRow
	Definition string
	Editable   bool
}

// frameworksView is the data of assess/frameworks.html.
type frameworksView struct {
	web.View
	List       []*FrameworkRow
	Definition string
}

// hcListView is the data of assess/hc-list.html.
type hcListView struct {
	web.View
	Rounds  []*Round
	Owned   []Subject
	F       *Framework
	Today   time.Time
	CSV     string
	JSONURL string
}

// hcRoundView is the data of assess/hc-round.html.
type hcRoundView struct {
	web.View
	Round      *Round
	F          *Framework
	Res        HCResult
	Rates      []ResponseRate
	CanRespond bool
	Responded  bool
	Closed     bool
	CanClose   bool
	Min        int
	Trend      *Trend
	Chart      template.HTML
	TrendChart template.HTML
}

// historyView is the data of assess/history.html.
type historyView struct {
	web.View
	V       *view
	History []HistoryEntry
	CSV     string
	JSONURL string
}

// hubView is the data of assess/hub.html.
type hubView struct {
	web.View
	Mine    []*Assessment
	Reviews []*Assessment
	Rounds  []*Round
	CSV     string
	JSONURL string
}

// invitationView is the data of assess/invitation.html.
type invitationView struct {
	web.View
	Token      string
	Next       string
	Bad        string
	Invitation *Invitation
	A          *Assessment
	WrongUser  bool
}

// qualityMarkView is the data of assess/quality-mark.html.
type qualityMarkView struct {
	web.View
	F        *Framework
	Register []Award
	CSV      string
	JSONURL  string
}

// readinessView is the data of assess/readiness.html.
type readinessView struct {
	web.View
	F        *Framework
	Subjects []Subject
}

// resultsView is the data of assess/results.html.
type resultsView struct {
	web.View
	V        *view
	Self     Result
	Final    Result
	Reviewed bool
	Chart    template.HTML
	Actions  []Action
	Awards   []Award
	Today    time.Time
	CanEdit  bool
}

// reviewAreaView is the data of assess/review-area.html.
type reviewAreaView struct {
	web.View
	V         *view
	Area      *Area
	Answers   map[string]Answer
	Reviews   map[string]Answer
	Evidence  map[string][]Evidence
	CanReview bool
}

// reviewListView is the data of assess/review-list.html.
type reviewListView struct {
	web.View
	List      []*Assessment
	Assessors []Person
	CSV       string
	JSONURL   string
}

// reviewView is the data of assess/review.html.
type reviewView struct {
	web.View
	V         *view
	Rows      []areaRow
	Res       Result
	Self      Result
	CanReview bool
	Why       string
}

// startView is the data of assess/start.html.
type startView struct {
	web.View
	F        *Framework
	Subjects []Subject
	Action   string
}

// submitView is the data of assess/submit.html.
type submitView struct {
	web.View
	V        *view
	Rows     []areaRow
	Answers  map[string]Answer
	Evidence map[string][]Evidence
	Res      Result
}

// fwEditView is the data of the framework editor's pages (fw-name.html,
// fw-area.html, fw-indicator.html, fw-result.html).
type fwEditView struct {
	web.View
	FW          *FrameworkRow
	Action      string
	New         bool
	Area        *Area
	Indicator   *Indicator
	Result      *Outcome
	HealthCheck bool
}
