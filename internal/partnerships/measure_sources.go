package partnerships

import (
	"context"
	"fmt"
	"time"

	"partnerhub/internal/db"
)

// MeasureDef names one measure in plain words.
type MeasureDef struct{ Key, Label, Definition string }

// MeasureSource lets another feature (opportunities, outcomes, the
// library, bids) add its figures to the strategy's measures: the page,
// its charts' tables, the CSV and /api/v1/stats/partnerships all show them
// after the partnership figures, with the year before and the change,
// counted over the same measuring year. Keys start with the feature's name
// ("opportunities_published", "outcomes_step_3") so they never clash.
//
// Count is called once per period; from is the first day and to the day
// after the last day (the same half-open range the partnership figures
// use). A key Count leaves out is shown as "none".
type MeasureSource struct {
	Definitions []MeasureDef
	Count       func(ctx context.Context, q db.Querier, from, to time.Time) (map[string]float64, error)
}

// AddMeasureSource adds a feature's measures to the strategy's measures.
// Call it while the program is wired, before serving.
func (s *Service) AddMeasureSource(src MeasureSource) { s.Sources = append(s.Sources, src) }

// AllDefinitions are the partnership measures' definitions followed by
// every source's, in the order Figures lists them.
func AllDefinitions(sources []MeasureSource) []MeasureDef {
	out := make([]MeasureDef, 0, len(Definitions))
	for _, d := range Definitions {
		out = append(out, MeasureDef{Key: d.Key, Label: d.Label, Definition: d.Definition})
	}
	for _, src := range sources {
		out = append(out, src.Definitions...)
	}
	return out
}

// sourceFigures counts every source for a period and the one before.
func sourceFigures(ctx context.Context, q db.Querier, sources []MeasureSource, cur, prev Period) ([]Figure, error) {
	var out []Figure
	for _, src := range sources {
		now, err := src.Count(ctx, q, cur.Start, cur.End)
		if err != nil {
			return nil, fmt.Errorf("measures %s: %w", cur.Label, err)
		}
		before, err := src.Count(ctx, q, prev.Start, prev.End)
		if err != nil {
			return nil, fmt.Errorf("measures %s: %w", prev.Label, err)
		}
		for _, d := range src.Definitions {
			fg := Figure{Key: d.Key, Label: d.Label, Definition: d.Definition}
			if v, ok := now[d.Key]; ok {
				fg.Value = f(round(v, 4))
			}
			if v, ok := before[d.Key]; ok {
				fg.Previous = f(round(v, 4))
			}
			fg.Change = change(fg.Value, fg.Previous)
			out = append(out, fg)
		}
	}
	return out, nil
}
