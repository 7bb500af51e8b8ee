package outcomes

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/clean"
	"partnerhub/internal/web"
)

// Owner types of a plan.
const (
	OwnerOrg         = "organisation"
	OwnerPartnership = "partnership"
)

// Kinds of indicator, frequencies, terms, roll-up rules.
var (
	Kinds       = []string{"numeric", "scale", "yesno"}
	Frequencies = []string{"monthly", "quarterly", "yearly"}
	Terms       = []string{"short", "medium", "long"}
	Rollups     = []string{"sum", "mean"}
)

// Labels are the words the pages show for codes.
var Labels = map[string]string{
	"numeric": "Number (count, percentage or money)", "scale": "Scale (for example 1 to 10)", "yesno": "Yes or no",
	"monthly": "Monthly", "quarterly": "Quarterly", "yearly": "Yearly",
	"sum": "Summed across organisations", "mean": "Averaged across organisations",
}

// TermLabels name an outcome's term.
var TermLabels = map[string]string{"short": "Short term", "medium": "Medium term", "long": "Long term"}

// TermLabel names the outcome's term.
func (o Outcome) TermLabel() string { return TermLabels[o.Term] }

func valid(set []string, v string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// Plan is an outcomes plan in the planning-triangle form, with the extra
// fields of the theory-of-change view (problem, assumptions).
type Plan struct {
	ID                 int64
	OwnerType          string
	OwnerID            int64
	OwnerName          string
	Title, Aim         string
	Problem            string
	Assumptions        string
	Start, End, Review time.Time
	Version            int
	ReviewedAt         *time.Time
	CreatedBy          int64
	CreatedAt          time.Time
	UpdatedAt          time.Time

	Outcomes   []Outcome
	Steps      []Step
	Indicators []Indicator
}

// Outcome is a change the plan aims for.
type Outcome struct {
	ID            int64
	PlanID        int64
	Title         string
	Description   string
	Term          string
	BankOutcomeID int64
	ThemeIDs      []int64
	ThemeNames    []string
}

// Step is an output or an activity.
type Step struct {
	ID   int64
	Kind string
	Text string
}

// Indicator measures an outcome.
type Indicator struct {
	ID                 int64
	PlanID, OutcomeID  int64
	OwnerType          string
	OwnerID            int64
	Name, Definition   string
	Kind, Unit         string
	ScaleMin, ScaleMax int
	ScaleLabels        string
	Baseline, Target   *float64
	BaselineDate       *time.Time
	TargetDate         *time.Time
	Frequency          string
	Parts              []string
	BankIndicatorID    int64
	Measurements       []Measurement
	CreatedAt          time.Time
}

// Measurement is one period's aggregate figure for an indicator.
type Measurement struct {
	ID          int64
	IndicatorID int64
	Period      string
	Start, End  time.Time
	Value       float64
	Parts       map[string]float64
	People      *int64
	Source      string
	Note        string
	// Evidence: a file kept by the uploads store (stored name, display
	// name, content type); empty when none was given.
	EvidenceStored, EvidenceName, EvidenceType string
	CreatedAt                                  time.Time
}

// BankOutcome is a shared outcome of the town-wide bank.
type BankOutcome struct {
	ID         int64
	ThemeID    int64
	ThemeName  string
	Title      string
	Definition string
	Indicators []BankIndicator
}

// BankIndicator is a shared indicator; Rollup says how members' figures
// combine.
type BankIndicator struct {
	ID, BankOutcomeID  int64
	Name, Definition   string
	Kind, Unit         string
	ScaleMin, ScaleMax int
	ScaleLabels        string
	Frequency, Rollup  string
}

// PlanInput reads and checks the plan form.
func PlanInput(f url.Values) (*Plan, error) {
	var v apperr.Validation
	p := &Plan{Title: clean.Line(f.Get("title")), Aim: clean.Text(f.Get("aim")),
		Problem: clean.Text(f.Get("problem")), Assumptions: clean.Text(f.Get("assumptions"))}
	v.Check(p.Title != "", "title", "Enter a title for the plan")
	v.Check(len(p.Title) <= 200, "title", "Title must be 200 characters or fewer")
	v.Check(p.Aim != "", "aim", "Enter the plan's overall aim")
	s := web.FormDate(&v, f, "start_date", "Enter the start date as a real date, like 2027-04-01")
	e := web.FormDate(&v, f, "end_date", "Enter the end date as a real date, like 2030-03-31")
	r := web.FormDate(&v, f, "review_date", "Enter the review date as a real date, like 2028-03-31")
	if s == nil && !v.Has("start_date") {
		v.Add("start_date", "Enter the date the plan starts")
	}
	if e == nil && !v.Has("end_date") {
		v.Add("end_date", "Enter the date the plan ends")
	}
	if r == nil && !v.Has("review_date") {
		v.Add("review_date", "Enter the date the plan will next be reviewed")
	}
	if s != nil && e != nil && !e.After(*s) {
		v.Add("end_date", "The end date must be after the start date")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	p.Start, p.End, p.Review = *s, *e, *r
	return p, nil
}

// PlanForm is a plan as form values.
func PlanForm(p *Plan) url.Values {
	return url.Values{"title": {p.Title}, "aim": {p.Aim}, "problem": {p.Problem}, "assumptions": {p.Assumptions},
		"start_date": {day(p.Start)}, "end_date": {day(p.End)}, "review_date": {day(p.Review)}}
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// OutcomeInput reads and checks the outcome form.
func OutcomeInput(f url.Values) (*Outcome, error) {
	var v apperr.Validation
	o := &Outcome{Title: clean.Line(f.Get("title")), Description: clean.Text(f.Get("description")), Term: f.Get("term"),
		ThemeIDs: web.FormIDs(f, "theme")}
	v.Check(o.Title != "", "title", "Enter the change the outcome describes, like 'Older people feel less isolated'")
	v.Check(valid(Terms, o.Term), "term", "Select whether the outcome is short, medium or long term")
	return o, v.Err()
}

// StepInput reads an output or activity.
func StepInput(f url.Values) (*Step, error) {
	var v apperr.Validation
	s := &Step{Kind: f.Get("kind"), Text: clean.Line(f.Get("text"))}
	v.Check(valid([]string{"output", "activity"}, s.Kind), "kind", "Select output or activity")
	v.Check(s.Text != "", "text", "Enter the output or activity")
	return s, v.Err()
}

// IndicatorInput reads and checks the indicator form: baseline and target
// are values of the indicator's kind; the target date is after the
// baseline date.
func IndicatorInput(f url.Values) (*Indicator, error) {
	var v apperr.Validation
	in := &Indicator{Name: clean.Line(f.Get("name")), Definition: clean.Text(f.Get("definition")), Kind: f.Get("kind"),
		Unit: clean.Line(f.Get("unit")), ScaleLabels: clean.Text(f.Get("scale_labels")), Frequency: f.Get("frequency")}
	in.OutcomeID, _ = strconv.ParseInt(f.Get("outcome_id"), 10, 64)
	v.Check(in.OutcomeID > 0, "outcome_id", "Select the outcome this indicator measures")
	v.Check(in.Name != "", "name", "Enter a name for the indicator")
	v.Check(valid(Kinds, in.Kind), "kind", "Select the kind of indicator")
	v.Check(valid(Frequencies, in.Frequency), "frequency", "Select how often it is measured")
	if in.Kind == "scale" {
		lo, e1 := strconv.Atoi(strings.TrimSpace(f.Get("scale_min")))
		hi, e2 := strconv.Atoi(strings.TrimSpace(f.Get("scale_max")))
		switch {
		case e1 != nil:
			v.Add("scale_min", "Enter the lowest point of the scale as a whole number, like 1")
		case e2 != nil:
			v.Add("scale_max", "Enter the highest point of the scale as a whole number, like 10")
		case hi <= lo:
			v.Add("scale_max", "The highest point must be above the lowest")
		}
		in.ScaleMin, in.ScaleMax = lo, hi
	}
	in.Parts = splitParts(f.Get("parts"))
	v.Check(len(in.Parts) != 1, "parts", "Enter at least two parts (one a line), or none")
	if valid(Kinds, in.Kind) {
		in.Baseline = in.readValue(&v, f.Get("baseline_value"), "baseline_value", "baseline")
		in.Target = in.readValue(&v, f.Get("target_value"), "target_value", "target")
	}
	in.BaselineDate = web.FormDate(&v, f, "baseline_date", "Enter the baseline date as a real date, like 2026-04-01")
	in.TargetDate = web.FormDate(&v, f, "target_date", "Enter the target date as a real date, like 2029-03-31")
	v.Check((in.Baseline == nil) == (in.BaselineDate == nil) || v.Has("baseline_value") || v.Has("baseline_date"), "baseline_date", "Enter both the baseline value and its date, or neither")
	v.Check((in.Target == nil) == (in.TargetDate == nil) || v.Has("target_value") || v.Has("target_date"), "target_date", "Enter both the target value and its date, or neither")
	if in.BaselineDate != nil && in.TargetDate != nil && !in.TargetDate.After(*in.BaselineDate) {
		v.Add("target_date", "The target date must be after the baseline date ("+in.BaselineDate.Format("2 January 2006")+")")
	}
	return in, v.Err()
}

// IndicatorForm is an indicator as form values.
func IndicatorForm(in *Indicator) url.Values {
	f := url.Values{"name": {in.Name}, "definition": {in.Definition}, "kind": {in.Kind}, "unit": {in.Unit},
		"scale_labels": {in.ScaleLabels}, "frequency": {in.Frequency}, "parts": {strings.Join(in.Parts, "\n")},
		"outcome_id": {strconv.FormatInt(in.OutcomeID, 10)}}
	if in.Kind == "scale" {
		f.Set("scale_min", strconv.Itoa(in.ScaleMin))
		f.Set("scale_max", strconv.Itoa(in.ScaleMax))
	}
	if in.Baseline != nil {
		f.Set("baseline_value", in.Format(*in.Baseline))
	}
	if in.Target != nil {
		f.Set("target_value", in.Format(*in.Target))
	}
	if in.BaselineDate != nil {
		f.Set("baseline_date", day(*in.BaselineDate))
	}
	if in.TargetDate != nil {
		f.Set("target_date", day(*in.TargetDate))
	}
	return f
}

func splitParts(s string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' }) {
		if l = clean.Line(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// readValue reads an optional value of the indicator's kind.
func (in *Indicator) readValue(v *apperr.Validation, s, field, what string) *float64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	x, msg := in.Parse(s)
	if msg != "" {
		v.Add(field, "The "+what+": "+msg)
		return nil
	}
	return &x
}

// Parse reads one value of the indicator's kind; msg says what is wrong.
func (in *Indicator) Parse(s string) (float64, string) {
	s = strings.TrimSpace(s)
	switch in.Kind {
	case "yesno":
		switch strings.ToLower(s) {
		case "yes", "y", "1", "true":
			return 1, ""
		case "no", "n", "0", "false":
			return 0, ""
		}
		return 0, "enter yes or no"
	case "scale":
		x, err := strconv.Atoi(s)
		if err != nil || x < in.ScaleMin || x > in.ScaleMax {
			return 0, fmt.Sprintf("enter a whole number from %d to %d", in.ScaleMin, in.ScaleMax)
		}
		return float64(x), ""
	}
	t := strings.NewReplacer(",", "", "£", "", "%", "").Replace(s)
	x, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Sprintf("enter a number, like 42 or 12.5 (not %q)", s)
	}
	return x, ""
}

// Format writes a value of the indicator's kind.
func (in *Indicator) Format(x float64) string {
	if in.Kind == "yesno" {
		if x >= 0.5 {
			return "yes"
		}
		return "no"
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// Show writes a value with its unit for pages.
func (in *Indicator) Show(x *float64) string {
	if x == nil {
		return "not set"
	}
	s := in.Format(*x)
	if in.Unit != "" && in.Kind == "numeric" {
		s += " " + in.Unit
	}
	return s
}

// ParsePeriod reads a period of the indicator's frequency: 2026-Q1
// (quarterly), 2026-03 (monthly) or 2026 (yearly, a calendar year; 2026/27
// for April to March).
func ParsePeriod(freq, s string) (label string, start, end time.Time, msg string) {
	s = strings.ToUpper(strings.TrimSpace(s))
	bad := map[string]string{"quarterly": "Enter the period as a quarter, like 2026-Q1 (January to March 2026)",
		"monthly": "Enter the period as a month, like 2026-03", "yearly": "Enter the period as a year, like 2026, or a financial year, like 2026/27"}[freq]
	switch freq {
	case "quarterly":
		var y, q int
		if n, _ := fmt.Sscanf(s, "%d-Q%d", &y, &q); n == 2 && q >= 1 && q <= 4 && y >= 1990 && y <= 2100 && s == fmt.Sprintf("%d-Q%d", y, q) {
			start = time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, time.UTC)
			return s, start, start.AddDate(0, 3, 0), ""
		}
	case "monthly":
		if t, err := time.Parse("2006-01", s); err == nil && t.Year() >= 1990 && t.Year() <= 2100 {
			return s, t, t.AddDate(0, 1, 0), ""
		}
	case "yearly":
		var y, y2 int
		if n, _ := fmt.Sscanf(s, "%d/%d", &y, &y2); n == 2 && y2 == (y+1)%100 && y >= 1990 && y <= 2100 {
			start = time.Date(y, 4, 1, 0, 0, 0, 0, time.UTC)
			return fmt.Sprintf("%d/%02d", y, y2), start, start.AddDate(1, 0, 0), ""
		}
		if y, err := strconv.Atoi(s); err == nil && y >= 1990 && y <= 2100 {
			start = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
			return s, start, start.AddDate(1, 0, 0), ""
		}
	default:
		return "", start, end, "The indicator has no frequency"
	}
	return "", start, end, bad
}

// MeasurementInput reads a measurement of in (within plan p) from form
// values: value, period, parts (part_0...), people, source, note.
func MeasurementInput(p *Plan, in *Indicator, f url.Values) (*Measurement, error) {
	var v apperr.Validation
	m := &Measurement{IndicatorID: in.ID, Source: clean.Line(f.Get("source")), Note: clean.Text(f.Get("note"))}
	label, start, end, msg := ParsePeriod(in.Frequency, f.Get("period"))
	if msg != "" {
		v.Add("period", msg)
	} else if start.After(p.End) || !end.After(p.Start) {
		v.Add("period", fmt.Sprintf("%s is outside the plan, which runs from %s to %s", label, p.Start.Format("2 January 2006"), p.End.Format("2 January 2006")))
	}
	m.Period, m.Start, m.End = label, start, end
	if strings.TrimSpace(f.Get("value")) == "" {
		v.Add("value", "Enter the value for "+in.Name)
	} else if x, msg := in.Parse(f.Get("value")); msg != "" {
		v.Add("value", "Value: "+msg)
	} else {
		m.Value = x
	}
	if len(in.Parts) > 0 {
		var sum float64
		given := 0
		m.Parts = map[string]float64{}
		for i, part := range in.Parts {
			s := strings.TrimSpace(f.Get(fmt.Sprintf("part_%d", i)))
			if s == "" {
				continue
			}
			given++
			x, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
			if err != nil || x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
				v.Add(fmt.Sprintf("part_%d", i), fmt.Sprintf("%s: enter a number of 0 or more", part))
				continue
			}
			m.Parts[part] = x
			sum += x
		}
		switch {
		case given == 0:
			m.Parts = nil
		case given < len(in.Parts):
			v.Add("part_0", "Enter a figure for every part ("+strings.Join(in.Parts, ", ")+"), or leave them all blank")
		case !v.Has("value") && math.Abs(sum-m.Value) > 1e-9*math.Max(1, math.Abs(m.Value)):
			v.Add("part_0", fmt.Sprintf("The parts add up to %s but the total is %s: they must add up to the total", strconv.FormatFloat(sum, 'f', -1, 64), in.Format(m.Value)))
		}
	}
	if s := strings.TrimSpace(f.Get("people")); s != "" {
		n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
		if err != nil || n < 0 {
			v.Add("people", "Enter the number of people as a whole number, like 120")
		} else {
			m.People = &n
		}
	}
	return m, v.Err()
}

// Status is where an indicator stands against its trajectory.
type Status struct {
	Code, Label, Why string
}

// StatusRule is the rule written on the pages.
const StatusRule = `The trajectory is a straight line from the baseline (value and date) to the target (value and date). ` +
	`"Achieved": the latest measurement has reached the target. "On track": the latest measurement is at or beyond where the line says it ` +
	`should be at the end of its period. "Behind": it is short of that. An indicator without a baseline and a target, or without ` +
	`measurements, has no status. For yes/no indicators, "achieved" is the target answer, and "behind" is any other answer after the target date.`

// Status works out the indicator's status from its measurements (sorted
// by period).
func (in *Indicator) Status() Status {
	if in.Baseline == nil || in.Target == nil || in.BaselineDate == nil || in.TargetDate == nil {
		return Status{"none", "No status", "no baseline and target yet"}
	}
	if len(in.Measurements) == 0 {
		return Status{"none", "Not measured yet", "no measurements yet"}
	}
	last := in.Measurements[len(in.Measurements)-1]
	b, t := *in.Baseline, *in.Target
	up := t >= b
	reached := (up && last.Value >= t) || (!up && last.Value <= t)
	if in.Kind == "yesno" {
		if last.Value == t {
			return Status{"achieved", "Achieved", "the latest answer is the target answer"}
		}
		if last.End.After(*in.TargetDate) {
			return Status{"behind", "Behind", "the target date has passed without the target answer"}
		}
		return Status{"on-track", "On track", "the target date has not come yet"}
	}
	if reached {
		return Status{"achieved", "Achieved", fmt.Sprintf("%s in %s reached the target of %s", in.Format(last.Value), last.Period, in.Format(t))}
	}
	exp := Expected(b, t, *in.BaselineDate, *in.TargetDate, last.End)
	if (up && last.Value >= exp) || (!up && last.Value <= exp) {
		return Status{"on-track", "On track", fmt.Sprintf("%s in %s; the trajectory expects %s by then", in.Format(last.Value), last.Period, fmtF(exp))}
	}
	return Status{"behind", "Behind", fmt.Sprintf("%s in %s; the trajectory expects %s by then", in.Format(last.Value), last.Period, fmtF(exp))}
}

// Expected is the trajectory's value at d: a straight line from (bd, b)
// to (td, t), flat before and after.
func Expected(b, t float64, bd, td, d time.Time) float64 {
	span := td.Sub(bd).Hours()
	if span <= 0 {
		return t
	}
	k := d.Sub(bd).Hours() / span
	k = math.Max(0, math.Min(1, k))
	return b + (t-b)*k
}

func fmtF(x float64) string { return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64) }

// BankIndicatorInput reads the admin's bank indicator form.
func BankIndicatorInput(f url.Values) (*BankIndicator, error) {
	var v apperr.Validation
	b := &BankIndicator{Name: clean.Line(f.Get("name")), Definition: clean.Text(f.Get("definition")), Kind: f.Get("kind"),
		Unit: clean.Line(f.Get("unit")), ScaleLabels: clean.Text(f.Get("scale_labels")), Frequency: f.Get("frequency"), Rollup: f.Get("rollup")}
	b.BankOutcomeID, _ = strconv.ParseInt(f.Get("bank_outcome_id"), 10, 64)
	v.Check(b.BankOutcomeID > 0, "bank_outcome_id", "Select the shared outcome")
	v.Check(b.Name != "", "name", "Enter the indicator's name")
	v.Check(b.Definition != "", "definition", "Enter a definition so every organisation measures it the same way")
	v.Check(valid(Kinds, b.Kind), "kind", "Select the kind of indicator")
	v.Check(valid(Frequencies, b.Frequency), "frequency", "Select how often it is measured")
	v.Check(valid(Rollups, b.Rollup), "rollup", "Select how figures roll up across organisations")
	if b.Kind == "scale" {
		lo, e1 := strconv.Atoi(strings.TrimSpace(f.Get("scale_min")))
		hi, e2 := strconv.Atoi(strings.TrimSpace(f.Get("scale_max")))
		if e1 != nil || e2 != nil || hi <= lo {
			v.Add("scale_max", "Enter the lowest and highest points of the scale as whole numbers, highest above lowest")
		}
		b.ScaleMin, b.ScaleMax = lo, hi
	}
	return b, v.Err()
}

// BankOutcomeInput reads the admin's bank outcome form.
func BankOutcomeInput(f url.Values) (*BankOutcome, error) {
	var v apperr.Validation
	b := &BankOutcome{Title: clean.Line(f.Get("title")), Definition: clean.Text(f.Get("outcome_definition"))}
	b.ThemeID, _ = strconv.ParseInt(f.Get("theme_id"), 10, 64)
	v.Check(b.ThemeID > 0, "theme_id", "Select the theme")
	v.Check(b.Title != "", "title", "Enter the outcome, like 'People report improved wellbeing'")
	return b, v.Err()
}

// TrajectoryAt is the trajectory's value at d for pages ("" without a
// baseline and a target).
func (in *Indicator) TrajectoryAt(d time.Time) string {
	if in.Baseline == nil || in.Target == nil || in.BaselineDate == nil || in.TargetDate == nil || in.Kind == "yesno" {
		return ""
	}
	return fmtF(Expected(*in.Baseline, *in.Target, *in.BaselineDate, *in.TargetDate, d))
}

// Latest is the latest measurement with its period, for pages.
func (in *Indicator) Latest() string {
	if len(in.Measurements) == 0 {
		return "none yet"
	}
	m := in.Measurements[len(in.Measurements)-1]
	return in.Format(m.Value) + " (" + m.Period + ")"
}
