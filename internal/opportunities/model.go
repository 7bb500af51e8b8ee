// Package opportunities holds commissioning opportunities: tenders, grant
// programmes, service-design consultations and pipeline notices that a
// public-sector buyer publishes, with lots, requirements, amendments,
// documents and expressions of interest.
//
// Other features build on it: the OCDS import/export writes and reads
// opportunities through Store (and hears of every change through
// Store.OnChange), and saved searches store a Query (Parse/Encode) and run
// it again with List.
package opportunities

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/clean"
	"partnerhub/internal/web"
)

// Kinds of opportunity.
const (
	KindTender       = "tender"
	KindGrant        = "grant"
	KindConsultation = "consultation"
	KindPipeline     = "pipeline"
)

// Kinds lists kinds in display order.
var Kinds = []string{KindTender, KindGrant, KindConsultation, KindPipeline}

// Statuses of an opportunity. Planned is a draft or a pipeline notice not
// yet open; open takes expressions of interest and bids.
const (
	StatusPlanned   = "planned"
	StatusOpen      = "open"
	StatusClosed    = "closed"
	StatusAwarded   = "awarded"
	StatusCancelled = "cancelled"
)

// Statuses lists statuses in display order.
var Statuses = []string{StatusPlanned, StatusOpen, StatusClosed, StatusAwarded, StatusCancelled}

// Procedures (the Procurement Act 2023's open and competitive flexible
// procedures, restricted under the 2015 regulations, direct award, and an
// open call for grant applications). "" is not stated.
var Procedures = []string{"open", "restricted", "competitive_flexible", "direct_award", "open_call"}

// Requirement kinds.
const (
	ReqService        = "service"
	ReqClientGroup    = "client_group"
	ReqTheme          = "theme"
	ReqWard           = "ward"
	ReqLocalAuthority = "local_authority"
	ReqPolicy         = "policy"
	ReqQualityMark    = "quality_mark"
	ReqReadiness      = "readiness"
)

// RequirementKinds lists requirement kinds in display order.
var RequirementKinds = []string{ReqService, ReqClientGroup, ReqTheme, ReqWard, ReqLocalAuthority, ReqPolicy, ReqQualityMark, ReqReadiness}

// ReadinessCode is the code of a readiness requirement: the organisation
// holds a current "Commissioning ready" result.
const ReadinessCode = "commissioning_ready"

// OCIDPrefix is prepended to the ids of opportunities published here to
// make their OCDS ocid. Imported opportunities keep the publisher's ocid.
var OCIDPrefix = "ocds-phub01-"

var labels = map[string]string{
	KindTender:        "Tender (contract)",
	KindGrant:         "Grant programme",
	KindConsultation:  "Service-design consultation",
	KindPipeline:      "Pipeline notice",
	StatusPlanned:     "Planned",
	StatusOpen:        "Open",
	StatusClosed:      "Closed",
	StatusAwarded:     "Awarded",
	StatusCancelled:   "Cancelled",
	ReqService:        "Service",
	ReqClientGroup:    "Client group",
	ReqTheme:          "Theme",
	ReqWard:           "Ward",
	ReqLocalAuthority: "Local authority",
	ReqPolicy:         "Policy held",
	ReqQualityMark:    "Quality mark held",
	ReqReadiness:      "Commissioning readiness",
	ReadinessCode:     "Commissioning ready",
}

// ProcedureLabels name the procedures ("open" is also a status).
var ProcedureLabels = map[string]string{
	"open":                 "Open procedure",
	"restricted":           "Restricted procedure",
	"competitive_flexible": "Competitive flexible procedure",
	"direct_award":         "Direct award",
	"open_call":            "Open call for grant applications",
}

// Label is the opportunities feature's words for a code (falling back to
// the site's shared labels: policy kinds, for example).
func Label(code string) string {
	if l, ok := labels[code]; ok {
		return l
	}
	return web.Label(code)
}

func valid(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Opportunity is one commissioning opportunity.
type Opportunity struct {
	ID                         int64
	UUID                       string
	Slug                       string
	OCID                       string
	Kind                       string
	Status                     string
	Title                      string
	Description                string // Markdown
	BuyerID                    int64
	BuyerName                  string
	BuyerSlug                  string
	ContactName                string
	ContactEmail               string
	ValueMin, ValueMax         *int64 // pence
	Currency                   string
	ContractStart, ContractEnd *time.Time // dates
	PublishedAt                *time.Time
	QuestionsCloseAt           *time.Time
	EOIDeadline                *time.Time
	SubmissionDeadline         *time.Time
	AwardExpected              *time.Time // date
	Procedure                  string
	CPVCodes                   []string
	SuitableSME                bool
	SuitableVCSE               bool
	ReservedVCSE               bool
	CommissioningReadyRequired bool
	SourceURL                  string
	CreatedBy                  int64
	CreatedAt                  time.Time
	UpdatedAt                  time.Time

	Lots         []Lot
	Requirements []Requirement // the opportunity's own and every lot's (LotPosition set)
	KPIs         []KPI         // the commissioner's required KPIs (outcome bank indicators)
	Interests    int           // expressions of interest (in lists)
}

// Lot is a part of an opportunity bid for separately.
type Lot struct {
	ID          int64
	Position    int // 1, 2, ...
	Title       string
	Description string
	Value       *int64 // pence
}

// Requirement is something a bidder must (Mandatory) or should offer or
// hold. LotPosition is 0 for the whole opportunity, else the lot's
// position.
type Requirement struct {
	ID          int64
	LotPosition int
	Kind        string
	Code        string
	Name        string // the term's, ward's or authority's name for display
	TermID      int64  // taxonomy kinds
	Mandatory   bool
}

// KindLabel names the requirement's kind.
func (r Requirement) KindLabel() string { return Label(r.Kind) }

// Label is the requirement's value as a reader sees it.
func (r Requirement) Label() string {
	if r.Name != "" {
		return r.Name
	}
	return Label(r.Code)
}

// Amendment is a change to a published opportunity.
type Amendment struct {
	ID      int64
	At      time.Time
	Summary string
	By      string
}

// Document is a file published with an opportunity.
type Document struct {
	ID          int64
	Title       string
	Filename    string
	ContentType string
	Size        int64
	StoredName  string
	UploadedAt  time.Time
}

// Interest is an organisation's expression of interest.
type Interest struct {
	ID                 int64
	OpportunityID      int64
	OrgID              int64
	OrgName            string
	OrgSlug            string
	OrgSector          string
	UserID             int64
	LookingForPartners bool
	Note               string
	PartnerPostID      int64
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// KindLabel names the kind.
func (o *Opportunity) KindLabel() string { return Label(o.Kind) }

// StatusLabel names the status.
func (o *Opportunity) StatusLabel() string { return Label(o.Status) }

// ProcedureLabel names the procedure ("" when not stated).
func (o *Opportunity) ProcedureLabel() string {
	if o.Procedure == "" {
		return ""
	}
	return ProcedureLabels[o.Procedure]
}

// ClosesAt is the closing date: the submission deadline, else the
// expression-of-interest deadline, else nil.
func (o *Opportunity) ClosesAt() *time.Time {
	if o.SubmissionDeadline != nil {
		return o.SubmissionDeadline
	}
	return o.EOIDeadline
}

// Published reports whether the opportunity has been made public (any
// status but a planned draft never published).
func (o *Opportunity) Published() bool { return o.PublishedAt != nil }

// Draft reports whether it is a planned opportunity never published.
func (o *Opportunity) Draft() bool { return o.Status == StatusPlanned && o.PublishedAt == nil }

// OpenAt reports whether it takes expressions of interest at now.
func (o *Opportunity) OpenAt(now time.Time) bool {
	if o.Status != StatusOpen {
		return false
	}
	c := o.ClosesAt()
	return c == nil || now.Before(*c)
}

// QuestionsOpenAt reports whether clarification questions are taken at
// now: the opportunity is open and the questions deadline (else the
// closing date) has not passed.
func (o *Opportunity) QuestionsOpenAt(now time.Time) bool {
	if !o.OpenAt(now) {
		return false
	}
	return o.QuestionsCloseAt == nil || now.Before(*o.QuestionsCloseAt)
}

// ValueText is the value as a reader sees it: "£50,000 to £80,000",
// "Up to £80,000", "£50,000", or "".
func (o *Opportunity) ValueText() string { return ValueRange(o.ValueMin, o.ValueMax) }

// ValueRange writes a min/max pair of pence as money.
func ValueRange(min, max *int64) string {
	switch {
	case min != nil && max != nil && *min == *max:
		return Money(*min)
	case min != nil && max != nil:
		return Money(*min) + " to " + Money(*max)
	case max != nil:
		return "Up to " + Money(*max)
	case min != nil:
		return "From " + Money(*min)
	}
	return ""
}

// Money writes pence as pounds: £1,250 or £1,250.50.
func Money(p int64) string {
	neg := p < 0
	if neg {
		p = -p
	}
	pounds := strconv.FormatInt(p/100, 10)
	var b strings.Builder
	for i, c := range pounds {
		if i > 0 && (len(pounds)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	s := "£" + b.String()
	if p%100 != 0 {
		s += fmt.Sprintf(".%02d", p%100)
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ParseMoney reads an amount of pounds as typed ("£80,000", "80000",
// "1250.50") into whole pence. Empty gives nil.
func ParseMoney(s string) (*int64, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "£")
	s = strings.ReplaceAll(strings.ReplaceAll(s, ",", ""), " ", "")
	if s == "" {
		return nil, nil
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || (hasFrac && (len(frac) == 0 || len(frac) > 2)) {
		return nil, fmt.Errorf("bad amount")
	}
	for _, part := range []string{whole, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return nil, fmt.Errorf("bad amount")
			}
		}
	}
	if len(whole) > 13 {
		return nil, fmt.Errorf("too large")
	}
	p, _ := strconv.ParseInt(whole, 10, 64)
	p *= 100
	if hasFrac {
		if len(frac) == 1 {
			frac += "0"
		}
		f, _ := strconv.ParseInt(frac, 10, 64)
		p += f
	}
	return &p, nil
}

// MoneyInput writes pence for a form field ("80000" or "1250.50").
func MoneyInput(p *int64) string {
	if p == nil {
		return ""
	}
	if *p%100 == 0 {
		return strconv.FormatInt(*p/100, 10)
	}
	return fmt.Sprintf("%d.%02d", *p/100, *p%100)
}

// cpvRe is the format of a CPV code with its check digit (85311000-2).
var cpvRe = regexp.MustCompile(`^\d{8}-\d$`)

// ValidCPV reports whether s has the format of a CPV code.
func ValidCPV(s string) bool { return cpvRe.MatchString(s) }

// ParseCPV splits a typed list of CPV codes (commas, spaces or new lines
// between them) and returns the codes and the first badly formed one.
func ParseCPV(s string) (codes []string, bad string) {
	seen := map[string]bool{}
	for _, c := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		if !ValidCPV(c) {
			if bad == "" {
				bad = c
			}
			continue
		}
		if !seen[c] {
			seen[c] = true
			codes = append(codes, c)
		}
	}
	return codes, bad
}

// Validate checks an opportunity before it is stored: the rules every
// save obeys (title, kind, buyer, values, dates in order, lots titled,
// CPV codes, requirements of known kinds). Field names are the form's.
// Publishing (Opportunity.CheckPublish) adds the rules for going public.
func (o *Opportunity) Validate() error {
	var v apperr.Validation
	o.validate(&v)
	return v.Err()
}

func (o *Opportunity) validate(v *apperr.Validation) {
	o.Title = clean.Line(o.Title)
	o.Description = strings.TrimSpace(o.Description)
	o.ContactName = clean.Line(o.ContactName)
	o.ContactEmail = strings.TrimSpace(o.ContactEmail)
	o.SourceURL = strings.TrimSpace(o.SourceURL)
	if o.Currency == "" {
		o.Currency = "GBP"
	}
	v.Check(o.Title != "", "title", "Enter the title of the opportunity")
	v.Check(len(o.Title) <= 300, "title", "The title must be 300 characters or fewer")
	v.Check(valid(Kinds, o.Kind), "kind", "Choose what kind of opportunity this is")
	v.Check(o.BuyerID != 0, "buyer", "Choose the buying organisation")
	v.Check(o.Procedure == "" || valid(Procedures, o.Procedure), "procedure", "Choose a procedure from the list")
	v.Check(o.ContactEmail == "" || (strings.Count(o.ContactEmail, "@") == 1 && !strings.ContainsAny(o.ContactEmail, " <>\"")), "contact_email", "Enter an email address in the correct format, like name@example.org")
	v.Check(o.SourceURL == "" || strings.HasPrefix(o.SourceURL, "https://") || strings.HasPrefix(o.SourceURL, "http://"), "source_url", "Enter the notice's web address starting https://")
	v.Check(o.ValueMin == nil || *o.ValueMin >= 0, "value_min", "The minimum value cannot be negative")
	v.Check(o.ValueMax == nil || *o.ValueMax >= 0, "value_max", "The maximum value cannot be negative")
	if o.ValueMin != nil && o.ValueMax != nil && *o.ValueMin > *o.ValueMax {
		v.Add("value_max", "The maximum value must be the same as or more than the minimum value")
	}
	if o.ContractStart != nil && o.ContractEnd != nil && o.ContractEnd.Before(*o.ContractStart) {
		v.Add("contract_end", "The contract end date must be after the start date")
	}
	// Deadlines come in this order: questions close, expressions of
	// interest, submissions; the award is expected after the submissions.
	if o.QuestionsCloseAt != nil && o.SubmissionDeadline != nil && o.QuestionsCloseAt.After(*o.SubmissionDeadline) {
		v.Add("questions_close", "Clarification questions must close before the submission deadline")
	}
	if o.EOIDeadline != nil && o.SubmissionDeadline != nil && o.EOIDeadline.After(*o.SubmissionDeadline) {
		v.Add("eoi_deadline", "The expression of interest deadline must be before the submission deadline")
	}
	if c := o.ClosesAt(); c != nil && o.AwardExpected != nil && o.AwardExpected.Before(dateOf(*c)) {
		v.Add("award_expected", "The expected award date must be after the closing date")
	}
	if c := o.ClosesAt(); c != nil && o.ContractStart != nil && o.ContractStart.Before(dateOf(*c)) {
		v.Add("contract_start", "The contract must start after the closing date")
	}
	for _, c := range o.CPVCodes {
		if !ValidCPV(c) {
			v.Add("cpv", fmt.Sprintf("%q is not a CPV code: enter codes like 85311000-2 (eight digits, a hyphen and a check digit)", c))
		}
	}
	for i := range o.Lots {
		l := &o.Lots[i]
		l.Title = clean.Line(l.Title)
		l.Description = strings.TrimSpace(l.Description)
		v.Check(l.Title != "", fmt.Sprintf("lot_title_%d", i), fmt.Sprintf("Enter a title for lot %d", i+1))
		v.Check(l.Value == nil || *l.Value >= 0, fmt.Sprintf("lot_value_%d", i), fmt.Sprintf("The value of lot %d cannot be negative", i+1))
		if l.Position == 0 {
			l.Position = i + 1
		}
	}
	for i := range o.Requirements {
		r := &o.Requirements[i]
		r.Code = strings.TrimSpace(r.Code)
		v.Check(valid(RequirementKinds, r.Kind), fmt.Sprintf("req_kind_%d", i), fmt.Sprintf("Choose what requirement %d is about", i+1))
		v.Check(r.Code != "", fmt.Sprintf("req_code_%d", i), fmt.Sprintf("Choose or enter requirement %d", i+1))
		v.Check(r.LotPosition >= 0 && r.LotPosition <= len(o.Lots), fmt.Sprintf("req_lot_%d", i), fmt.Sprintf("Requirement %d is for a lot that does not exist", i+1))
	}
}

// CheckPublish adds the rules for publishing (or saving a published
// opportunity that is still open) at now: a closing date in the future,
// and, for anything but a pipeline notice, a closing date at all.
func (o *Opportunity) CheckPublish(now time.Time) error {
	var v apperr.Validation
	o.validate(&v)
	o.publishRules(&v, now)
	return v.Err()
}

func (o *Opportunity) publishRules(v *apperr.Validation, now time.Time) {
	c := o.ClosesAt()
	if c == nil && o.Kind != KindPipeline {
		v.Add("submission_deadline", "Enter the closing date (the submission deadline) before publishing")
		return
	}
	if o.SubmissionDeadline != nil && !o.SubmissionDeadline.After(now) {
		v.Add("submission_deadline", "The submission deadline has passed: choose a date in the future")
	}
	if o.EOIDeadline != nil && !o.EOIDeadline.After(now) && o.SubmissionDeadline == nil {
		v.Add("eoi_deadline", "The expression of interest deadline has passed: choose a date in the future")
	}
}

func dateOf(t time.Time) time.Time {
	l := t.In(web.London())
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// ValueText is the lot's value as money ("" when not given).
func (l Lot) ValueText() string {
	if l.Value == nil {
		return ""
	}
	return Money(*l.Value)
}
