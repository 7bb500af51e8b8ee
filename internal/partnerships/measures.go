package partnerships

import (
	"math"
	"partnerhub/internal/db"
	"sort"
	"time"
)

// The strategy's measures. Rules, the same in the pure computation (this
// file) and the SQL one (measures_sql.go), and written for people on the
// dashboard:
//   - Dates decide. A partnership counts from its start date to its end date,
//     both days included; no end date means it is still going. A partnership
//     with no start date, or still only proposed, is not counted.
//   - A membership counts from the later of the day the organisation joined
//     and the partnership's start, to the earlier of the day it left and the
//     partnership's end, both days included. A membership that began before
//     the partnership starts with the partnership. An organisation that left
//     and rejoined has two memberships; it is still counted once.
//   - "During the year" means overlapping the year by at least one day.

// Period is one measuring year: [Start, End).
type Period struct {
	Year  int       // the calendar year the period starts in
	Start time.Time // first day
	End   time.Time // the day after the last day
	Label string    // "2024" or "2024/25"
}

// PeriodOf is the measuring year starting in year; startMonth is January
// for calendar years or April for financial years.
func PeriodOf(year int, startMonth time.Month) Period {
	if startMonth < time.January || startMonth > time.December {
		startMonth = time.January
	}
	s := Date(year, startMonth, 1)
	p := Period{Year: year, Start: s, End: s.AddDate(1, 0, 0), Label: itoa(year)}
	if startMonth != time.January {
		p.Label = itoa(year) + "/" + itoa((year+1)%100 + 100)[1:]
	}
	return p
}

// Last is the period's last day.
func (p Period) Last() time.Time { return p.End.AddDate(0, 0, -1) }

// Contains reports whether day d falls in the period.
func (p Period) Contains(d time.Time) bool { return !d.Before(p.Start) && d.Before(p.End) }

// Overlaps reports whether [s, e] (e nil = open) overlaps the period.
func (p Period) Overlaps(s time.Time, e *time.Time) bool {
	return s.Before(p.End) && (e == nil || !e.Before(p.Start))
}

func itoa(i int) string {
	neg := i < 0
	if neg {
		i = -i
	}
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			break
		}
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}

// PartnershipRec is what the measures need of a partnership.
type PartnershipRec struct {
	ID     int64
	Model  string
	Status string
	Start  *time.Time
	End    *time.Time
}

// MemberRec is what the measures need of one membership period.
type MemberRec struct {
	PartnershipID int64
	OrgID         int64
	Sector        string
	Joined        *time.Time
	Left          *time.Time
}

// Raw are one period's figures before comparison with the year before.
type Raw struct {
	Period                     Period
	OrganisationsInPartnership int
	FirstTimePartners          int
	PartnershipsActive         int
	PartnershipsStarted        int
	PartnershipsEnded          int
	PublicThird                int
	PrivateThird               int
	Models                     map[string]int // active partnerships per model
	ConsortiaActive            int
	ConsortiaFormed            int
	ConsortiaDissolved         int
	Lifespans                  []int // days, of consortia dissolved by the end of the period
}

// DistinctModels is the number of models with at least one active partnership.
func (r Raw) DistinctModels() int {
	n := 0
	for _, c := range r.Models {
		if c > 0 {
			n++
		}
	}
	return n
}

// ModelDiversity is the Shannon index (natural log) over the active
// partnerships per model: 0 when every partnership has the same model,
// ln(k) when k models are equally common.
func (r Raw) ModelDiversity() float64 { return Shannon(r.Models) }

// Shannon is -sum(p ln p) over the counts.
func Shannon(counts map[string]int) float64 {
	total := 0
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a fixed order gives the same float every time
	h := 0.0
	for _, k := range keys {
		if c := counts[k]; c > 0 {
			p := float64(c) / float64(total)
			h -= p * math.Log(p)
		}
	}
	if h < 0 { // -0
		h = 0
	}
	return h
}

// MedianLifespan is the median life span in days of the consortia dissolved
// by the end of the period, or nil when none has been dissolved.
func (r Raw) MedianLifespan() *float64 { return Median(r.Lifespans) }

// Median of xs (the mean of the two middle values for an even count).
func Median(xs []int) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := append([]int(nil), xs...)
	sort.Ints(s)
	n := len(s)
	var m float64
	if n%2 == 1 {
		m = float64(s[n/2])
	} else {
		m = (float64(s[n/2-1]) + float64(s[n/2])) / 2
	}
	return &m
}

// counted reports whether a partnership counts at all, and its span.
func (p PartnershipRec) counted() bool {
	return p.Status != "proposed" && p.Start != nil && (p.End == nil || !p.End.Before(*p.Start))
}

// effective is a membership's span within its partnership; ok is false when
// the two never overlap.
func effective(p PartnershipRec, m MemberRec) (s time.Time, e *time.Time, ok bool) {
	s = *p.Start
	if m.Joined != nil && m.Joined.After(s) {
		s = *m.Joined
	}
	e = p.End
	if m.Left != nil && (e == nil || m.Left.Before(*e)) {
		e = m.Left
	}
	return s, e, e == nil || !e.Before(s)
}

func isThird(sector string) bool {
	return sector == "vcs" || sector == "social_enterprise" || sector == "faith"
}

// Compute is the reference computation of the measures over in-memory
// records, one Raw per period. The SQL computation must agree with it.
func Compute(ps []PartnershipRec, ms []MemberRec, periods []Period) []Raw {
	out := make([]Raw, len(periods))
	for i, per := range periods {
		out[i] = Raw{Period: per, Models: map[string]int{}}
	}
	byID := map[int64]PartnershipRec{}
	for _, p := range ps {
		if !p.counted() {
			continue
		}
		byID[p.ID] = p
		cons := IsConsortium(p.Model)
		for i, per := range periods {
			r := &out[i]
			if per.Overlaps(*p.Start, p.End) {
				r.PartnershipsActive++
				r.Models[p.Model]++
				if cons {
					r.ConsortiaActive++
				}
			}
			if per.Contains(*p.Start) {
				r.PartnershipsStarted++
				if cons {
					r.ConsortiaFormed++
				}
			}
			if p.End != nil && per.Contains(*p.End) {
				r.PartnershipsEnded++
				if cons {
					r.ConsortiaDissolved++
				}
			}
			if cons && p.End != nil && p.End.Before(per.End) {
				r.Lifespans = append(r.Lifespans, days(*p.Start, *p.End))
			}
		}
	}
	type flags struct{ third, public, private bool }
	first := map[int64]time.Time{}
	inYear := make([]map[int64]bool, len(periods))
	sectors := make([]map[int64]*flags, len(periods))
	for i := range periods {
		inYear[i] = map[int64]bool{}
		sectors[i] = map[int64]*flags{}
	}
	for _, m := range ms {
		p, ok := byID[m.PartnershipID]
		if !ok {
			continue
		}
		s, e, ok := effective(p, m)
		if !ok {
			continue
		}
		third := isThird(m.Sector)
		if third {
			if f, seen := first[m.OrgID]; !seen || s.Before(f) {
				first[m.OrgID] = s
			}
		}
		for i, per := range periods {
			if !per.Overlaps(s, e) {
				continue
			}
			if third {
				inYear[i][m.OrgID] = true
			}
			f := sectors[i][p.ID]
			if f == nil {
				f = &flags{}
				sectors[i][p.ID] = f
			}
			f.third = f.third || third
			f.public = f.public || m.Sector == "public"
			f.private = f.private || m.Sector == "private"
		}
	}
	for i, per := range periods {
		r := &out[i]
		r.OrganisationsInPartnership = len(inYear[i])
		for _, f := range first {
			if per.Contains(f) {
				r.FirstTimePartners++
			}
		}
		for _, f := range sectors[i] {
			if f.third && f.public {
				r.PublicThird++
			}
			if f.third && f.private {
				r.PrivateThird++
			}
		}
	}
	return out
}

// days between two calendar days.
func days(a, b time.Time) int {
	return int(math.Round(db.Day(b).Sub(db.Day(a)).Hours() / 24))
}
