// Package strategy keeps the town's partnership strategy as data (aims,
// specific aims, activities, outcomes bound to live measures, milestones)
// and owns the cross-feature read models built on it: the public strategy
// page with each outcome's trend and red/amber/green status, and the
// yearly State of the Sector report (a live draft for the current year,
// frozen snapshots for published years, with a PDF).
package strategy

import (
	"context"
	"embed"
	"fmt"
	"sync"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/partnerships"
	"partnerhub/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Service is the strategy feature.
type Service struct {
	DB  *db.DB
	Web *web.Server
	// Measures are the strategy's measures (the partnerships feature
	// with every MeasureSource added to it), read at request time.
	Measures *partnerships.Service
	// Now is the clock (tests replace it).
	Now func() time.Time

	// trends caches the strategy page's trends for TrendsTTL: every
	// measure of every year since the strategy began is costly to count
	// at scale, and the page is public.
	mu      sync.Mutex
	trends  *Trends
	trendAt time.Time
	trendOf string
}

// TrendsTTL is how long the strategy pages reuse the trends they counted.
const TrendsTTL = time.Minute

// New returns the strategy feature over the strategy's measures.
func New(d *db.DB, w *web.Server, measures *partnerships.Service) *Service {
	return &Service{DB: d, Web: w, Measures: measures, Now: db.Now}
}

// Sources are the measures' sources other features add.
func (s *Service) Sources() []partnerships.MeasureSource {
	if s.Measures == nil {
		return nil
	}
	return s.Measures.Sources
}

// Templates registers the feature's pages and words.
func (s *Service) Templates(rd *web.Renderer) error {
	if err := rd.AddPages(templateFS, "templates", "strategy"); err != nil {
		return err
	}
	return rd.AddLabels("strategy", map[string]string{"on_track": "On track", "at_risk": "At risk", "missed": "Missed"})
}

// lastComplete is the latest measuring year that has ended by now.
func lastComplete(now time.Time, startMonth time.Month) int {
	now = now.In(web.London())
	y := now.Year()
	if now.Month() < startMonth {
		y--
	}
	return y - 1
}

// measureYears is the span the strategy's trends cover: from the year the
// strategy started (at most 20 years back) to year.
func measureYears(st *Strategy, year int) int {
	from := year - 9
	if st != nil && st.StartsOn.Year() < from {
		from = st.StartsOn.Year()
	}
	return max(from, year-19)
}

// Status rates every outcome of st (nil: the stored strategy) as of the
// latest complete measuring year, with every measure's trend since the
// strategy began.
func (s *Service) Status(ctx context.Context, st *Strategy) (*Trends, map[int64]OutcomeStatus, error) {
	set, err := partnerships.LoadSettings(ctx, s.DB.Q())
	if err != nil {
		return nil, nil, err
	}
	if st == nil {
		if st, err = Load(ctx, s.DB.Q()); err != nil {
			return nil, nil, err
		}
	}
	year := lastComplete(s.Now(), set.YearStartMonth)
	from := measureYears(st, year)
	key := fmt.Sprint(from, year, set.YearStartMonth)
	s.mu.Lock()
	tr := s.trends
	if tr == nil || s.trendOf != key || time.Since(s.trendAt) > TrendsTTL {
		tr = nil
	}
	s.mu.Unlock()
	if tr == nil {
		if tr, err = ComputeTrends(ctx, s.DB.Q(), from, year, set.YearStartMonth, s.Sources()); err != nil {
			return nil, nil, err
		}
		s.mu.Lock()
		s.trends, s.trendAt, s.trendOf = tr, time.Now(), key
		s.mu.Unlock()
	}
	out := map[int64]OutcomeStatus{}
	for _, a := range st.Aims {
		for _, o := range a.Outcomes {
			out[o.ID] = Assess(o, tr)
		}
	}
	return tr, out, nil
}
