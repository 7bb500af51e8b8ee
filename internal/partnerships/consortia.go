package partnerships

import (
	"context"
	"time"
)

// Lifespan is a consortium's measured life: from its start date to its end
// date, or to today while it is still active.
type Lifespan struct {
	Formed    *time.Time
	Dissolved *time.Time
	Days      int
	Active    bool
}

// LifespanOf measures a partnership's life on day today.
func LifespanOf(p *Partnership, today time.Time) Lifespan {
	l := Lifespan{Formed: p.Start, Dissolved: p.End, Active: p.End == nil || p.End.After(dayOf(today))}
	if p.Start != nil {
		end := dayOf(today)
		if p.End != nil && p.End.Before(end) {
			end = *p.End
		}
		if !end.Before(*p.Start) {
			l.Days = days(*p.Start, end)
		}
	}
	return l
}

// consortiumData adds a consortium's extras to the show page data.
func (s *Service) consortiumData(ctx context.Context, p *Partnership, data map[string]any) error {
	data["Lifespan"] = LifespanOf(p, time.Now())
	return nil
}
