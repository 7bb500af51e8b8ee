package partnerships

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"partnerhub/internal/assess"
	"partnerhub/internal/db"
)

// Figure is one measure for a year, the year before and the change.
type Figure struct {
	Key        string   `json:"-"`
	Label      string   `json:"-"`
	Definition string   `json:"-"`
	Value      *float64 `json:"value"`
	Previous   *float64 `json:"previous"`
	Change     *float64 `json:"change"`
}

// Report is the measures for one year compared with the year before.
type Report struct {
	Period   Period
	Previous Period
	Now      Raw
	Before   Raw
	NowX     Extra
	BeforeX  Extra
	// Sourced are the figures other features add (MeasureSource), in
	// their definitions' order, after the partnership figures.
	Sourced []Figure
}

// Extra are the measures other features feed into the strategy's figures.
type Extra struct {
	FromEvents int // partnerships started in the period that were introduced at an event
	// Origins are the partnerships started in the period per origin (how
	// each came about: an event, the partner finder, a post, a bid ...).
	Origins                 map[string]int
	QualityMarkApplications int
	QualityMarkAwards       int
}

// extras counts the Extra measures for each period.
func extras(ctx context.Context, q db.Querier, periods []Period) ([]Extra, error) {
	origins, err := originCounts(ctx, q, periods)
	if err != nil {
		return nil, err
	}
	out := make([]Extra, len(periods))
	for i, p := range periods {
		x := Extra{Origins: origins[i], FromEvents: origins[i]["event"]}
		// End is the day after the last day.
		if x.QualityMarkApplications, x.QualityMarkAwards, err = assess.QualityMarkCountsBetween(ctx, q, p.Start, p.End); err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

// Definitions of the measures in plain words, in dashboard order.
var Definitions = []struct{ Key, Label, Definition string }{
	{"organisations_in_partnership", "Organisations working in partnership", "Voluntary and community organisations, social enterprises and faith groups that were members of at least one partnership during the year. Each organisation is counted once, however many partnerships it is in."},
	{"first_time_partners", "Organisations in partnership for the first time", "Voluntary and community organisations, social enterprises and faith groups whose first ever partnership membership began during the year."},
	{"partnerships_active", "Partnerships active", "Partnerships that were running on at least one day of the year."},
	{"partnerships_started", "Partnerships started", "Partnerships whose start date falls in the year."},
	{"partnerships_ended", "Partnerships ended", "Partnerships whose end date falls in the year."},
	{"public_third_partnerships", "Public and third sector partnerships", "Active partnerships that had at least one third-sector member and at least one public-sector member during the year."},
	{"private_third_partnerships", "Private and third sector partnerships", "Active partnerships that had at least one third-sector member and at least one private-sector member during the year."},
	{"distinct_models", "Partnership models in use", "How many of the eight partnership models had at least one active partnership during the year."},
	{"model_diversity", "Diversity of partnership models", "The Shannon index of active partnerships across the models (natural logarithm). It is 0 when every partnership uses the same model and grows as partnerships spread more evenly over more models; the most it can be with eight models is 2.079."},
	{"consortia_active", "Consortia active", "Active partnerships with a consortium model (lead-contractor, hub-and-spoke, or a new legal body)."},
	{"consortia_formed", "Consortia formed", "Consortia whose start date falls in the year."},
	{"consortia_dissolved", "Consortia dissolved", "Consortia whose end date falls in the year."},
	{"median_consortium_lifespan_days", "Median consortium life span (days)", "The median number of days from start to end of every consortium that had ended by the last day of the year. Empty until a consortium has ended."},
	{"partnerships_from_events", "Partnerships sparked at events", "Partnerships started in the year that were recorded as introduced at a networking event, workshop, trade fair or conference."},
	{"quality_mark_applications", "Consortia Quality Mark applications", "Applications for the Consortia Quality Mark started in the year."},
	{"quality_mark_awards", "Consortia Quality Mark awards", "Quality Marks awarded in the year, with or without conditions."},
}

// Rules are the counting rules in plain words, shown under the definitions.
var Rules = []string{
	"The third sector means voluntary and community organisations, social enterprises and faith groups.",
	"A partnership counts from its start date to its end date, both days included. A partnership with no end date is still going. Partnerships that are only proposed, or have no start date, are not counted.",
	"A membership counts from the day the organisation joined (or the partnership's start, if that is later) to the day it left (or the partnership's end, if that is earlier), both days included. A membership that ends on 1 January therefore counts in that year too.",
	"An organisation that left a partnership and rejoined it is counted once.",
	"Each figure is shown with the figure for the year before and the change between them.",
}

func f(v float64) *float64 { return &v }

// Figures returns every measure in dashboard order.
func (r Report) Figures() []Figure {
	val := func(x Raw, key string) *float64 {
		switch key {
		case "organisations_in_partnership":
			return f(float64(x.OrganisationsInPartnership))
		case "first_time_partners":
			return f(float64(x.FirstTimePartners))
		case "partnerships_active":
			return f(float64(x.PartnershipsActive))
		case "partnerships_started":
			return f(float64(x.PartnershipsStarted))
		case "partnerships_ended":
			return f(float64(x.PartnershipsEnded))
		case "public_third_partnerships":
			return f(float64(x.PublicThird))
		case "private_third_partnerships":
			return f(float64(x.PrivateThird))
		case "distinct_models":
			return f(float64(x.DistinctModels()))
		case "model_diversity":
			return f(round(x.ModelDiversity(), 4))
		case "consortia_active":
			return f(float64(x.ConsortiaActive))
		case "consortia_formed":
			return f(float64(x.ConsortiaFormed))
		case "consortia_dissolved":
			return f(float64(x.ConsortiaDissolved))
		case "median_consortium_lifespan_days":
			return x.MedianLifespan()
		}
		return nil
	}
	valX := func(x Extra, key string) *float64 {
		switch key {
		case "partnerships_from_events":
			return f(float64(x.FromEvents))
		case "quality_mark_applications":
			return f(float64(x.QualityMarkApplications))
		case "quality_mark_awards":
			return f(float64(x.QualityMarkAwards))
		}
		return nil
	}
	var out []Figure
	for _, d := range Definitions {
		fg := Figure{Key: d.Key, Label: d.Label, Definition: d.Definition, Value: val(r.Now, d.Key), Previous: val(r.Before, d.Key)}
		if fg.Value == nil && fg.Previous == nil {
			fg.Value, fg.Previous = valX(r.NowX, d.Key), valX(r.BeforeX, d.Key)
		}
		fg.Change = change(fg.Value, fg.Previous)
		out = append(out, fg)
	}
	return append(out, r.Sourced...)
}

// ModelFigures are the active partnerships per model, every model listed.
func (r Report) ModelFigures() []Figure {
	var out []Figure
	for _, m := range Models {
		fg := Figure{Key: m, Label: codeLabels[m], Value: f(float64(r.Now.Models[m])), Previous: f(float64(r.Before.Models[m]))}
		fg.Change = change(fg.Value, fg.Previous)
		out = append(out, fg)
	}
	return out
}

// OriginFigures are the partnerships started per origin (how each came
// about), every origin listed.
func (r Report) OriginFigures() []Figure {
	var out []Figure
	for _, o := range Origins {
		fg := Figure{Key: o, Label: codeLabels[o], Value: f(float64(r.NowX.Origins[o])), Previous: f(float64(r.BeforeX.Origins[o]))}
		fg.Change = change(fg.Value, fg.Previous)
		out = append(out, fg)
	}
	return out
}

func change(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	return f(round(*a-*b, 4))
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// JSON is the API document for the report.
func (r Report) JSON() map[string]any {
	measures := map[string]any{}
	for _, fg := range r.Figures() {
		measures[fg.Key] = fg
	}
	models := map[string]any{}
	for _, fg := range r.ModelFigures() {
		models[fg.Key] = fg
	}
	measures["models"] = models
	origins := map[string]any{}
	for _, fg := range r.OriginFigures() {
		origins[fg.Key] = fg
	}
	measures["origins"] = origins
	return map[string]any{
		"year":            r.Period.Year,
		"label":           r.Period.Label,
		"period_start":    r.Period.Start.Format(time.DateOnly),
		"period_end":      r.Period.Last().Format(time.DateOnly),
		"previous_year":   r.Previous.Year,
		"previous_label":  r.Previous.Label,
		"year_starts_in":  r.Period.Start.Month().String(),
		"third_sector":    []string{"vcs", "social_enterprise", "faith"},
		"measures":        measures,
		"definitions_url": "/partnerships/measures#definitions",
	}
}

// CSVRows are the report as rows of measure, year, value, previous, change.
func (r Report) CSVRows() [][]string {
	var rows [][]string
	add := func(key string, fg Figure) {
		rows = append(rows, []string{key, r.Period.Label, num(fg.Value), num(fg.Previous), num(fg.Change)})
	}
	for _, fg := range r.Figures() {
		add(fg.Key, fg)
	}
	for _, fg := range r.ModelFigures() {
		add("models."+fg.Key, fg)
	}
	for _, fg := range r.OriginFigures() {
		add("origins."+fg.Key, fg)
	}
	return rows
}

// CSVHeader is the header of CSVRows.
var CSVHeader = []string{"measure", "year", "value", "previous", "change"}

func num(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// Settings are the measures' admin settings.
type Settings struct {
	YearStartMonth time.Month // January (calendar years) or April
}

// LoadSettings reads the settings (defaults when unset).
func LoadSettings(ctx context.Context, q db.Querier) (Settings, error) {
	st := Settings{YearStartMonth: time.January}
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM partnership_settings WHERE key = 'year_start_month'`).Scan(&v)
	if err == nil {
		if n, e := strconv.Atoi(v); e == nil && n >= 1 && n <= 12 {
			st.YearStartMonth = time.Month(n)
		}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return st, err
	}
	return st, nil
}

// SaveSettings stores the settings.
func SaveSettings(ctx context.Context, tx *db.Tx, st Settings) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM partnership_settings WHERE key = 'year_start_month'`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO partnership_settings (key, value) VALUES ('year_start_month', $1)`, strconv.Itoa(int(st.YearStartMonth)))
	return err
}

// Measure computes the report for the year starting in year.
// Sources add other features' figures (MeasureSource).
func Measure(ctx context.Context, q db.Querier, year int, startMonth time.Month, sources ...MeasureSource) (Report, error) {
	cur, prev := PeriodOf(year, startMonth), PeriodOf(year-1, startMonth)
	raws, err := ComputeSQL(ctx, q, []Period{cur, prev})
	if err != nil {
		return Report{}, err
	}
	rep := Report{Period: cur, Previous: prev, Now: raws[0], Before: raws[1]}
	xs, err := extras(ctx, q, []Period{cur, prev})
	if err != nil {
		return Report{}, err
	}
	rep.NowX, rep.BeforeX = xs[0], xs[1]
	if rep.Sourced, err = sourceFigures(ctx, q, sources, cur, prev); err != nil {
		return Report{}, err
	}
	return rep, nil
}

// Series computes the reports for the years from..to (inclusive) in one go.
func Series(ctx context.Context, q db.Querier, from, to int, startMonth time.Month, sources ...MeasureSource) ([]Report, error) {
	if to < from {
		return nil, fmt.Errorf("series: %d is before %d", to, from)
	}
	var periods []Period
	for y := from - 1; y <= to; y++ {
		periods = append(periods, PeriodOf(y, startMonth))
	}
	raws, err := ComputeSQL(ctx, q, periods)
	if err != nil {
		return nil, err
	}
	xs, err := extras(ctx, q, periods)
	if err != nil {
		return nil, err
	}
	var out []Report
	for i := 1; i < len(raws); i++ {
		rep := Report{Period: periods[i], Previous: periods[i-1], Now: raws[i], Before: raws[i-1], NowX: xs[i], BeforeX: xs[i-1]}
		if rep.Sourced, err = sourceFigures(ctx, q, sources, periods[i], periods[i-1]); err != nil {
			return nil, err
		}
		out = append(out, rep)
	}
	return out, nil
}

// Text is a figure for people: "none" when there is no value, at most
// four decimal places.
func Text(v *float64) string {
	if v == nil {
		return "none"
	}
	return strconv.FormatFloat(round(*v, 4), 'f', -1, 64)
}

// ValueText, PreviousText and ChangeText are the figure for people.
func (fg Figure) ValueText() string    { return Text(fg.Value) }
func (fg Figure) PreviousText() string { return Text(fg.Previous) }
func (fg Figure) ChangeText() string {
	if fg.Change == nil {
		return "not available"
	}
	if *fg.Change > 0 {
		return "+" + Text(fg.Change)
	}
	return Text(fg.Change)
}
