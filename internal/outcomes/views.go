package outcomes

// The data of each page, one type per template (see web.View); a page with
// nothing beyond a title and a form gets a web.View itself.

import (
	"html/template"
	"partnerhub/internal/accounts"
	"partnerhub/internal/importing"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/uploads"
	"partnerhub/internal/web"
	"time"
)

// adoptView is the data of adopt.html.
type adoptView struct {
	web.View
	P       *Plan
	Bank    []BankOutcome
	Adopted map[int64]bool
}

// bankAdminView is the data of bank-admin.html.
type bankAdminView struct {
	web.View
	Bank        []BankOutcome
	Themes      []taxonomy.Term
	Kinds       []string
	Frequencies []string
	Rollups     []string
}

// bankView is the data of bank.html.
type bankView struct {
	web.View
	Bank []BankOutcome
}

// homeView is the data of home.html.
type homeView struct {
	web.View
	Orgs       []accounts.Organisation
	StepLabels []string
}

// importView is the data of import.html.
type importView struct {
	web.View
	P       *Plan
	Columns []string
	Report  *importing.Report
}

// indicatorFormView is the data of indicator-form.html.
type indicatorFormView struct {
	web.View
	P           *Plan
	In          *Indicator
	Kinds       []string
	Frequencies []string
}

// indicatorView is the data of indicator.html.
type indicatorView struct {
	web.View
	P       *Plan
	In      IndicatorView
	Chart   any
	Series  []web.Series
	Rule    string
	CanEdit bool
}

// ladderView is the data of ladder.html.
type ladderView struct {
	web.View
	L            web.ListPage[LadderEntry]
	Pager        map[string]any
	CSV          string
	JSONURL      string
	Counts       [5]int
	Before       [5]int
	StepLabels   []string
	Rule         string
	Chart        template.HTML
	Effect       WorkshopEffect
	Step         int
	Moved        bool
	Total        int
	Workshops    []Workshop
	WorkshopRule string
	Filtered     bool
}

// measurementFormView is the data of measurement-form.html.
type measurementFormView struct {
	web.View
	P       *Plan
	In      *Indicator
	Example string
	Parts   []map[string]string
	Policy  uploads.Policy
}

// measurementsView is the data of measurements.html.
type measurementsView struct {
	web.View
	P       *Plan
	L       web.ListPage[MeasurementRow]
	Pager   map[string]any
	CSV     string
	JSONURL string
}

// orgPlansView is the data of org.html.
type orgPlansView struct {
	web.View
	Org        *accounts.Organisation
	Plans      []Plan
	Step       int
	Listed     bool
	StepLabels []string
	Rule       string
	Systems    []OtherSystem
	Now        time.Time
	CanEdit    bool
}

// outcomeFormView is the data of outcome-form.html.
type outcomeFormView struct {
	web.View
	P          *Plan
	Themes     []taxonomy.Term
	Terms      []string
	TermLabels map[string]string
}

// partnershipView is the data of partnership.html.
type partnershipView struct {
	web.View
	P       *Partnership
	Plans   []Plan
	Rollups []Rollup
	Year    int
	Years   []int
	Rule    string
	CanEdit bool
	Members int
	KPIs    []KPIRow
}

// planFormView is the data of plan-form.html.
type planFormView struct {
	web.View
	Owner  string
	Plan   *Plan
	Action string
}

// planView is the data of plan.html.
type planView struct {
	web.View
	P          *Plan
	Indicators []IndicatorView
	Versions   []VersionInfo
	CanEdit    bool
	Rule       string
	ReviewDue  bool
}

// reportView is the data of report.html.
type reportView struct {
	web.View
	P      *Plan
	Charts []reportChart
	Rule   string
	Now    time.Time
}

// stepFormView is the data of step-form.html.
type stepFormView struct {
	web.View
	P *Plan
}

// systemFormView is the data of system-form.html.
type systemFormView struct {
	web.View
	Org *accounts.Organisation
}

// systemsView is the data of systems.html.
type systemsView struct {
	web.View
	Systems []OtherSystem
	Now     time.Time
	Until   string
}

// themesView is the data of themes.html.
type themesView struct {
	web.View
	Year    int
	Years   []int
	Rollups []Rollup
	Rule    string
	Min     int
}

// versionView is the data of version.html.
type versionView struct {
	web.View
	P          *Plan
	Old        *Plan
	At         time.Time
	Note       string
	Indicators []IndicatorView
}

// reportChart is one indicator's chart on report.html.
type reportChart struct {
	In    IndicatorView
	Chart template.HTML
}
