package assess

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"partnerhub/internal/apperr"
)

// Kinds of framework: what the engine does with a finished assessment.
const (
	KindQualityMark = "quality_mark" // reviewed; award valid for ValidityMonths
	KindReadiness   = "readiness"    // self-assessed; result gives a badge
	KindHealthCheck = "health_check" // anonymous rounds of agreement statements
	KindCustom      = "custom"       // any other reviewed or self-assessed instrument
)

// Rating scales an indicator can use.
const (
	ScaleMet    = "met"    // 2 met, 1 partly met, 0 not met
	ScaleAgree5 = "agree5" // 1 strongly disagree … 5 strongly agree
	ScaleLevels = "levels" // 0 … len(levels)-1, each with a descriptor
)

// Framework is one version of an assessment instrument. It is stored as
// JSON and is also the import/export format.
type Framework struct {
	Key            string    `json:"key"`
	Version        int       `json:"version"`
	Kind           string    `json:"kind"`
	Name           string    `json:"name"`
	Description    string    `json:"description"`
	Subject        string    `json:"subject"` // organisation, partnership, consortium
	Review         bool      `json:"review"`  // a reviewer decides the result
	ValidityMonths int       `json:"validity_months,omitempty"`
	CheckInMonths  []int     `json:"check_in_months,omitempty"`
	RenewalNotice  int       `json:"renewal_notice_days,omitempty"`
	StrengthAt     float64   `json:"strength_at,omitempty"` // indicator score (0-100) counted as a strength; default 75
	Results        []Outcome `json:"results"`               // first match wins; the last should have no minimums
	Areas          []Area    `json:"areas"`
}

// Outcome is a result band: reached when the overall score is at least
// MinOverall and every area at least MinArea.
type Outcome struct {
	Code       string  `json:"code"`
	Label      string  `json:"label"`
	MinOverall float64 `json:"min_overall"`
	MinArea    float64 `json:"min_area,omitempty"`
	Counts     bool    `json:"counts,omitempty"` // an award or badge while current
}

// Area groups indicators (a principle, for health checks).
type Area struct {
	Code       string      `json:"code"`
	Title      string      `json:"title"`
	Summary    string      `json:"summary,omitempty"`
	Weight     float64     `json:"weight"`
	Help       []Help      `json:"help,omitempty"` // suggested workshops and guidance for gaps
	Indicators []Indicator `json:"indicators"`
}

// Help is a suggestion linked from a gap.
type Help struct {
	Label string `json:"label"`
	Href  string `json:"href"`
}

// Indicator is one question or statement.
type Indicator struct {
	Code     string   `json:"code"`
	Text     string   `json:"text"`
	Guidance string   `json:"guidance,omitempty"`
	Evidence string   `json:"evidence,omitempty"`
	Scale    string   `json:"scale"`
	Levels   []string `json:"levels,omitempty"`
	Weight   float64  `json:"weight"`
	// Gate, when set, makes the indicator a gate: while it scores below
	// GateBelow (or is not rated) the result can be no better than the
	// result band with this code, whatever the other scores.
	Gate string `json:"gate,omitempty"`
}

// GateBelow is the indicator score (0-100) under which a gate caps the
// result: "not met", the lowest levels, or disagreement.
const GateBelow = 50

var codeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,39}$`)

// ParseFramework decodes and validates a framework document.
func ParseFramework(b []byte) (*Framework, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f Framework
	if err := dec.Decode(&f); err != nil {
		return nil, apperr.Errorf(apperr.EINVALID, "The framework is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}

// JSON encodes the framework for export and storage.
func (f *Framework) JSON() []byte {
	b, _ := json.MarshalIndent(f, "", "  ")
	return b
}

// Validate checks the framework; messages name the part that is wrong.
func (f *Framework) Validate() error {
	v := &apperr.Validation{}
	v.Check(codeRE.MatchString(f.Key), "key", "Enter a key of lower-case letters, digits and underscores")
	v.Check(strings.TrimSpace(f.Name) != "", "name", "Enter the framework name")
	v.Check(f.Kind == KindQualityMark || f.Kind == KindReadiness || f.Kind == KindHealthCheck || f.Kind == KindCustom, "kind", "Kind must be quality_mark, readiness, health_check or custom")
	v.Check(f.Subject == "organisation" || f.Subject == "partnership" || f.Subject == "consortium", "subject", "Subject must be organisation, partnership or consortium")
	v.Check(f.ValidityMonths >= 0 && f.ValidityMonths <= 120, "validity_months", "Validity must be between 0 and 120 months")
	v.Check(f.StrengthAt >= 0 && f.StrengthAt <= 100, "strength_at", "Strength threshold must be between 0 and 100")
	for _, m := range f.CheckInMonths {
		v.Check(m > 0 && (f.ValidityMonths == 0 || m < f.ValidityMonths), "check_in_months", "Check-ins must fall inside the validity period")
	}
	v.Check(len(f.Areas) > 0, "areas", "Add at least one area")
	if f.Kind != KindHealthCheck {
		v.Check(len(f.Results) > 0, "results", "Add at least one result band")
	}
	seen := map[string]bool{}
	for i, o := range f.Results {
		v.Check(codeRE.MatchString(o.Code) && strings.TrimSpace(o.Label) != "", "results", fmt.Sprintf("Result %d needs a code and a label", i+1))
		v.Check(o.MinOverall >= 0 && o.MinOverall <= 100 && o.MinArea >= 0 && o.MinArea <= 100, "results", fmt.Sprintf("Result %q thresholds must be between 0 and 100", o.Code))
		if i > 0 {
			v.Check(o.MinOverall <= f.Results[i-1].MinOverall, "results", "List result bands from the highest threshold to the lowest")
		}
	}
	if n := len(f.Results); n > 0 {
		v.Check(f.Results[n-1].MinOverall == 0 && f.Results[n-1].MinArea == 0, "results", "The last result band must have no minimum, so every assessment gets a result")
	}
	for _, a := range f.Areas {
		v.Check(codeRE.MatchString(a.Code) && !seen[a.Code], "areas", fmt.Sprintf("Area %q needs a unique code of lower-case letters, digits and underscores", a.Title))
		seen[a.Code] = true
		v.Check(strings.TrimSpace(a.Title) != "", "areas", fmt.Sprintf("Area %q needs a title", a.Code))
		v.Check(a.Weight > 0, "areas", fmt.Sprintf("Area %q needs a weight above 0", a.Code))
		v.Check(len(a.Indicators) > 0, "areas", fmt.Sprintf("Area %q needs at least one indicator", a.Code))
		for _, h := range a.Help {
			v.Check(strings.HasPrefix(h.Href, "/") && !strings.HasPrefix(h.Href, "//") || strings.HasPrefix(h.Href, "https://"), "areas", fmt.Sprintf("Help link %q in area %q must be a local path or an https address", h.Label, a.Code))
		}
		for _, in := range a.Indicators {
			v.Check(codeRE.MatchString(in.Code) && !seen[in.Code], "indicators", fmt.Sprintf("Indicator %q needs a unique code", in.Text))
			seen[in.Code] = true
			v.Check(strings.TrimSpace(in.Text) != "", "indicators", fmt.Sprintf("Indicator %q needs its text", in.Code))
			v.Check(in.Weight > 0, "indicators", fmt.Sprintf("Indicator %q needs a weight above 0", in.Code))
			switch in.Scale {
			case ScaleMet, ScaleAgree5:
			case ScaleLevels:
				v.Check(len(in.Levels) >= 2 && len(in.Levels) <= 10, "indicators", fmt.Sprintf("Indicator %q needs between 2 and 10 level descriptors", in.Code))
			default:
				v.Check(false, "indicators", fmt.Sprintf("Indicator %q has an unknown scale; use met, agree5 or levels", in.Code))
			}
			if f.Kind == KindHealthCheck {
				v.Check(in.Scale == ScaleAgree5, "indicators", fmt.Sprintf("Health check statement %q must use the agree5 scale", in.Code))
			}
			if in.Gate != "" {
				_, ok := f.Outcome(in.Gate)
				v.Check(ok && f.Kind != KindHealthCheck, "gate", fmt.Sprintf("Indicator %q is a gate to result %q, which is not one of the framework's result bands", in.Code, in.Gate))
			}
		}
	}
	return v.Err()
}

// Option is one choice on an indicator's scale.
type Option struct {
	Value int
	Label string
}

// Options lists the scale's choices, best last.
func (in Indicator) Options() []Option {
	switch in.Scale {
	case ScaleMet:
		return []Option{{0, "Not met"}, {1, "Partly met"}, {2, "Met"}}
	case ScaleAgree5:
		return []Option{{1, "Strongly disagree"}, {2, "Disagree"}, {3, "Neither agree nor disagree"}, {4, "Agree"}, {5, "Strongly agree"}}
	}
	out := make([]Option, len(in.Levels))
	for i, l := range in.Levels {
		out[i] = Option{i, l}
	}
	return out
}

// Valid reports whether r is a value on the indicator's scale.
func (in Indicator) Valid(r int) bool {
	switch in.Scale {
	case ScaleMet:
		return r >= 0 && r <= 2
	case ScaleAgree5:
		return r >= 1 && r <= 5
	case ScaleLevels:
		return r >= 0 && r < len(in.Levels)
	}
	return false
}

// Fraction maps a rating to 0..1 on the indicator's scale.
func (in Indicator) Fraction(r int) float64 {
	switch in.Scale {
	case ScaleMet:
		return float64(r) / 2
	case ScaleAgree5:
		return float64(r-1) / 4
	case ScaleLevels:
		if len(in.Levels) < 2 {
			return 0
		}
		return float64(r) / float64(len(in.Levels)-1)
	}
	return 0
}

// RatingLabel is the words for a rating.
func (in Indicator) RatingLabel(r int) string {
	for _, o := range in.Options() {
		if o.Value == r {
			return o.Label
		}
	}
	return ""
}

// Indicator finds an indicator and its area by code.
func (f *Framework) Indicator(code string) (*Area, *Indicator) {
	for i := range f.Areas {
		for j := range f.Areas[i].Indicators {
			if f.Areas[i].Indicators[j].Code == code {
				return &f.Areas[i], &f.Areas[i].Indicators[j]
			}
		}
	}
	return nil, nil
}

// Area finds an area by code.
func (f *Framework) Area(code string) *Area {
	for i := range f.Areas {
		if f.Areas[i].Code == code {
			return &f.Areas[i]
		}
	}
	return nil
}

// IndicatorCount is the number of indicators.
func (f *Framework) IndicatorCount() int {
	n := 0
	for _, a := range f.Areas {
		n += len(a.Indicators)
	}
	return n
}

// Outcome returns the result band with code.
func (f *Framework) Outcome(code string) (Outcome, bool) {
	for _, o := range f.Results {
		if o.Code == code {
			return o, true
		}
	}
	return Outcome{}, false
}

// AreaScore is an area's part of a result.
type AreaScore struct {
	Code, Title string
	Score       float64 // 0-100 over rated indicators
	Rated       int
	Total       int
}

// Finding is one indicator named as a strength or a gap.
type Finding struct {
	Area, AreaTitle, Code, Text, Rating string
	Score                               float64
	Help                                []Help
	Action                              string // a gap put as something to do (ActionFor)
}

// Result is the scored outcome of a set of ratings.
type Result struct {
	Areas     []AreaScore
	Overall   float64
	Outcome   Outcome
	Complete  bool // every indicator rated
	Rated     int
	Total     int
	Strengths []Finding
	Gaps      []Finding
	// Gated are the gate indicators that held the result below the band
	// the scores reached (empty when none did).
	Gated []Finding
}

// Score turns ratings (indicator code -> value) into area scores, an
// overall score and a result band. It is pure: same input, same output.
// Unrated indicators do not count towards a score; an area with nothing
// rated scores 0. Ratings off the scale are ignored.
func Score(f *Framework, ratings map[string]int) Result {
	res := Result{}
	strength := f.StrengthAt
	if strength == 0 {
		strength = 75
	}
	var sumW, sumWS float64
	for _, a := range f.Areas {
		as := AreaScore{Code: a.Code, Title: a.Title, Total: len(a.Indicators)}
		var w, ws float64
		for _, in := range a.Indicators {
			r, ok := ratings[in.Code]
			if !ok || !in.Valid(r) {
				continue
			}
			as.Rated++
			s := in.Fraction(r) * 100
			w += in.Weight
			ws += in.Weight * s
			fd := Finding{Area: a.Code, AreaTitle: a.Title, Code: in.Code, Text: in.Text, Rating: in.RatingLabel(r), Score: round1(s), Help: a.Help, Action: ActionFor(a, in, r)}
			if s >= strength {
				res.Strengths = append(res.Strengths, fd)
			} else {
				res.Gaps = append(res.Gaps, fd)
			}
		}
		if w > 0 {
			as.Score = round1(ws / w)
		}
		res.Rated += as.Rated
		res.Total += as.Total
		sumW += a.Weight
		sumWS += a.Weight * as.Score
		res.Areas = append(res.Areas, as)
	}
	if sumW > 0 {
		res.Overall = round1(sumWS / sumW)
	}
	res.Complete = res.Total > 0 && res.Rated == res.Total
	for _, o := range f.Results {
		if res.Overall+1e-9 < o.MinOverall {
			continue
		}
		ok := true
		for _, a := range res.Areas {
			if a.Score+1e-9 < o.MinArea {
				ok = false
			}
		}
		if ok {
			res.Outcome = o
			break
		}
	}
	applyGates(f, ratings, &res)
	sort.SliceStable(res.Gaps, func(i, j int) bool { return res.Gaps[i].Score < res.Gaps[j].Score })
	return res
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
