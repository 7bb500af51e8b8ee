package opportunities

// The data of each page, one type per template (see web.View); a page with
// nothing beyond a title and a form gets a web.View itself.

import (
	"html/template"
	"partnerhub/internal/accounts"
	"partnerhub/internal/web"
	"time"
)

// alertFormView is the data of opportunities/alert_form.html.
type alertFormView struct {
	web.View
	A               *Alert
	Frequencies     []string
	FrequencyLabels map[string]string
	Email           string
}

// alertsView is the data of opportunities/alerts.html.
type alertsView struct {
	web.View
	Alerts  []Alert
	Total   int
	Pager   map[string]any
	CSV     string
	JSONURL string
	Hidden  []HiddenOpp
}

// answerView is the data of opportunities/answer.html.
type answerView struct {
	web.View
	O *Opportunity
	C *Clarification
}

// cquestionFormView is the data of opportunities/cquestion_form.html.
type cquestionFormView struct {
	web.View
	O          *Opportunity
	Q          *CQuestion
	Kinds      []string
	KindLabels map[string]string
	Responses  int
	Base       string
}

// formView is the data of opportunities/form.html.
type formView struct {
	web.View
	Org             *accounts.Organisation
	O               *Opportunity
	Opt             formOptions
	ProcedureLabels map[string]string
}

// interestsView is the data of opportunities/interests.html.
type interestsView struct {
	web.View
	O       *Opportunity
	Items   []InterestRow
	Total   int
	CSV     string
	JSONURL string
}

// listView is the data of opportunities/list.html.
type listView struct {
	web.View
	Items    []*Opportunity
	Total    int
	Pager    map[string]any
	CSV      string
	JSONURL  string
	F        listFilters
	Kinds    []string
	Statuses []string
	Bands    []ValueBand
	Sorts    []string
	Atom     string
	ICS      string
	Publish  []accounts.OrgWithRole
	Now      time.Time
	Alert    string
}

// orgAlertView is the data of opportunities/org_alert.html.
type orgAlertView struct {
	web.View
	Org *orgRef
	On  bool
}

// orgListView is the data of opportunities/org_list.html.
type orgListView struct {
	web.View
	Org     *accounts.Organisation
	Items   []*Opportunity
	Total   int
	Pager   map[string]any
	CSV     string
	JSONURL string
	Public  bool
}

// publishForView is the data of opportunities/publish_for.html.
type publishForView struct {
	web.View
	Buyers []buyerChoice
}

// responsesView is the data of opportunities/responses.html.
type responsesView struct {
	web.View
	O         *Opportunity
	C         Consultation
	Summaries []summaryChart
	Rows      []responseRow
	Total     int
	Pager     map[string]any
	CSV       string
	JSONURL   string
	Base      string
}

// showView is the data of opportunities/show.html.
type showView struct {
	web.View
	Related    []web.RelatedSection
	O          *Opportunity
	Amendments []Amendment
	Documents  []Document
	Reqs       map[int][]Requirement
	Mine       []orgInterest
	Now        time.Time
	Open       bool
	CanManage  bool
	Interests  int
	DocHint    string
}

// statusView is the data of opportunities/status.html.
type statusView struct {
	web.View
	O      *Opportunity
	Org    *accounts.Organisation
	Action string
}

// youSaidView is the data of opportunities/you_said.html.
type youSaidView struct {
	web.View
	O         *Opportunity
	C         Consultation
	Responses int
	Closed    bool
	Base      string
}

// orgInterest is one of the caller's organisations on show.html, with the
// interest it has registered.
type orgInterest struct {
	Org      accounts.OrgWithRole
	Interest *Interest
}

// consultationView is the data of opportunities/consultation.html.
type consultationView struct {
	web.View
	O           *Opportunity
	C           Consultation
	Questions   []CQuestion
	Open        bool
	Buyer       bool
	AnswerAs    []accounts.OrgWithRole
	Chosen      int64
	ScaleLabels map[string]string
	Existing    *CResponse
}

// questionnaireView is the data of opportunities/questionnaire.html.
type questionnaireView struct {
	web.View
	O          *Opportunity
	C          Consultation
	Questions  []CQuestion
	Kinds      []string
	KindLabels map[string]string
	Responses  int
	Base       string
}

// summaryChart is one question's summary on responses.html, with its
// number and, for a question with options, its bar chart.
type summaryChart struct {
	S   QuestionSummary
	N   int
	SVG template.HTML
}

// questionsView is the data of opportunities/questions.html.
type questionsView struct {
	web.View
	O         *Opportunity
	Questions []Clarification
	Buyer     bool
	AskAs     []accounts.OrgWithRole
	Mine      map[int64]bool
	Open      bool
	Following bool
}
