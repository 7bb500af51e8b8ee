package strategy

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/partnerships"
)

// Trend is one measure year by year.
type Trend struct {
	Key, Label, Definition string
	Labels                 []string   // the years' labels ("2012" or "2012/13")
	Values                 []*float64 // nil: no figure that year
}

// Last is the latest figure and the one before it (nil when missing).
func (t *Trend) Last() (now, before *float64) {
	n := len(t.Values)
	if n > 0 {
		now = t.Values[n-1]
	}
	if n > 1 {
		before = t.Values[n-2]
	}
	return now, before
}

// Floats are the values with missing years as 0 (for charts).
func (t *Trend) Floats() []float64 {
	out := make([]float64, len(t.Values))
	for i, v := range t.Values {
		if v != nil {
			out[i] = *v
		}
	}
	return out
}

// Trends are every measure from year from to year to, by key, and the
// definitions in the measures' order.
type Trends struct {
	From, To int
	Labels   []string
	ByKey    map[string]*Trend
	Defs     []partnerships.MeasureDef
}

// Measure keys are those of the strategy's measures: the partnership
// figures and every feature's (MeasureSource).
func knownKeys(sources []partnerships.MeasureSource) map[string]partnerships.MeasureDef {
	out := map[string]partnerships.MeasureDef{}
	for _, d := range partnerships.AllDefinitions(sources) {
		out[d.Key] = d
	}
	return out
}

// ComputeTrends counts every measure for each measuring year from..to.
func ComputeTrends(ctx context.Context, q db.Querier, from, to int, startMonth time.Month, sources []partnerships.MeasureSource) (*Trends, error) {
	if from > to {
		from = to
	}
	// The partnership figures for every year in one pass; each source is
	// then counted once a year (Series with sources would count each year
	// twice, as "this year" and as "the year before").
	reps, err := partnerships.Series(ctx, q, from, to, startMonth)
	if err != nil {
		return nil, err
	}
	t := &Trends{From: from, To: to, ByKey: map[string]*Trend{}, Defs: partnerships.AllDefinitions(sources)}
	for _, d := range t.Defs {
		t.ByKey[d.Key] = &Trend{Key: d.Key, Label: d.Label, Definition: d.Definition}
	}
	add := func(key, label string, v *float64) {
		if tr := t.ByKey[key]; tr != nil {
			tr.Labels = append(tr.Labels, label)
			tr.Values = append(tr.Values, v)
		}
	}
	counts, err := countSources(ctx, q, reps, sources)
	if err != nil {
		return nil, err
	}
	for i, r := range reps {
		t.Labels = append(t.Labels, r.Period.Label)
		for _, fg := range r.Figures() {
			add(fg.Key, r.Period.Label, fg.Value)
		}
		for j, src := range sources {
			got := counts[i][j]
			for _, d := range src.Definitions {
				var v *float64
				if x, ok := got[d.Key]; ok {
					x = math.Round(x*10000) / 10000
					v = &x
				}
				add(d.Key, r.Period.Label, v)
			}
		}
	}
	return t, nil
}

// RAG statuses of an outcome.
const (
	Green = "green"
	Amber = "amber"
	Red   = "red"
	None  = "none"
)

// RAGLabels are the statuses in words (colour is never the only sign).
var RAGLabels = map[string]string{Green: "Green: improving", Amber: "Amber: no change, or short of target", Red: "Red: getting worse", None: "Not yet measured"}

// RAGRule is the rule, shown on every page with a status.
var RAGRule = []string{
	"Each outcome is measured by one or more of the strategy's measures. For each measure, the latest complete year is compared with the year before, in the direction that is good for the outcome (up or down).",
	"Green: the measure moved the good way, or it meets its target.",
	"Amber: it did not change, or it moved the good way but is still short of its target.",
	"Red: it moved the wrong way and does not meet any target.",
	"Not yet measured: there is no figure for the latest year or the year before.",
	"An outcome with several measures takes the worst status of its measures.",
}

// MeasureStatus is one measure's status for an outcome.
type MeasureStatus struct {
	Trend       *Trend
	Now, Before *float64
	Status, Why string
	Target      *float64
	Direction   string
}

// OutcomeStatus is an outcome with its measures' statuses.
type OutcomeStatus struct {
	*Outcome
	Status   string
	Measures []MeasureStatus
}

var rank = map[string]int{Green: 0, None: 1, Amber: 2, Red: 3}

// Assess rates an outcome from its measures' trends (the rule is RAGRule).
func Assess(o *Outcome, tr *Trends) OutcomeStatus {
	st := OutcomeStatus{Outcome: o, Status: None}
	first := true
	for _, key := range o.Measures {
		t := tr.ByKey[key]
		if t == nil {
			t = &Trend{Key: key, Label: key + " (no such measure)"}
		}
		now, before := t.Last()
		ms := MeasureStatus{Trend: t, Now: now, Before: before, Target: o.Target, Direction: o.Direction}
		ms.Status, ms.Why = rate(now, before, o.Direction, o.Target)
		st.Measures = append(st.Measures, ms)
		if first || rank[ms.Status] > rank[st.Status] {
			st.Status = ms.Status
		}
		first = false
	}
	return st
}

// rate applies the rule to one measure.
func rate(now, before *float64, dir string, target *float64) (string, string) {
	if now == nil {
		return None, "No figure for the latest year."
	}
	sign := 1.0
	if dir == "down" {
		sign = -1
	}
	met := target != nil && sign*(*now-*target) >= 0
	if before == nil {
		if met {
			return Green, fmt.Sprintf("%s meets the target of %s.", Num(*now), Num(*target))
		}
		return None, "No figure for the year before to compare with."
	}
	diff := sign * (*now - *before)
	const eps = 1e-9
	switch {
	case met:
		return Green, fmt.Sprintf("%s meets the target of %s.", Num(*now), Num(*target))
	case diff > eps && target != nil:
		return Amber, fmt.Sprintf("Moved the good way, from %s to %s, but short of the target of %s.", Num(*before), Num(*now), Num(*target))
	case diff > eps:
		return Green, fmt.Sprintf("Moved the good way, from %s to %s.", Num(*before), Num(*now))
	case math.Abs(diff) <= eps:
		return Amber, fmt.Sprintf("No change: %s both years.", Num(*now))
	}
	return Red, fmt.Sprintf("Moved the wrong way, from %s to %s.", Num(*before), Num(*now))
}

// Num prints a figure for people: whole numbers without decimals.
func Num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return groupThousands(fmt.Sprintf("%.0f", v))
	}
	return fmt.Sprintf("%.2f", v)
}

func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// NumPtr prints a figure or "none".
func NumPtr(v *float64) string {
	if v == nil {
		return "none"
	}
	return Num(*v)
}

// Sparkline is a small SVG line of a trend, for a table cell or a card:
// labelled for screen readers with the first and last figures (the page
// gives the full table on the outcome's page).
func Sparkline(t *Trend) string {
	const w, h, pad = 120.0, 32.0, 3.0
	vals := t.Floats()
	if len(vals) == 0 {
		return ""
	}
	lo, hi := vals[0], vals[0]
	for _, v := range vals {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if hi == lo {
		hi = lo + 1
	}
	step := 0.0
	if len(vals) > 1 {
		step = (w - 2*pad) / float64(len(vals)-1)
	}
	var pts []string
	var lx, ly float64
	for i, v := range vals {
		lx = pad + step*float64(i)
		ly = h - pad - (h-2*pad)*(v-lo)/(hi-lo)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", lx, ly))
	}
	desc := fmt.Sprintf("%s: %s in %s, %s in %s", t.Label, NumPtr(t.Values[0]), t.Labels[0], NumPtr(t.Values[len(t.Values)-1]), t.Labels[len(t.Labels)-1])
	return fmt.Sprintf(`<svg class="ph-sparkline" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg"><polyline points="%s" fill="none" stroke="currentColor" stroke-width="2"/><circle cx="%.1f" cy="%.1f" r="3" fill="currentColor"/></svg>`,
		w, h, w, h, htmlEscape(desc), strings.Join(pts, " "), lx, ly)
}

var htmlReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

func htmlEscape(s string) string { return htmlReplacer.Replace(s) }

// countSources counts every source for every year: years side by side
// on the read pool (the counts are independent reads), one after another
// inside a transaction (which one connection serves).
func countSources(ctx context.Context, q db.Querier, reps []partnerships.Report, sources []partnerships.MeasureSource) ([][]map[string]float64, error) {
	out := make([][]map[string]float64, len(reps))
	workers := 1
	if _, tx := q.(*db.Tx); !tx {
		workers = max(1, min(runtime.GOMAXPROCS(0), 4))
	}
	sem := make(chan struct{}, workers)
	errs := make([]error, len(reps))
	var wg sync.WaitGroup
	for i, r := range reps {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i] = make([]map[string]float64, len(sources))
			for j, src := range sources {
				got, err := src.Count(ctx, q, r.Period.Start, r.Period.End)
				if err != nil {
					errs[i] = fmt.Errorf("measures %s: %w", r.Period.Label, err)
					return
				}
				out[i][j] = got
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
