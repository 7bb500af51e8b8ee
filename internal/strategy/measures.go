package strategy

import (
	"context"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/partnerships"
)

// EventMeasures are the events' figures among the strategy's measures
// (networking, workshops, trade fairs and conferences the strategy names
// among its activities), counted over the measuring year by the event's
// start. Keys start with "strategy_" since the strategy feature counts
// them from the events' tables.
func EventMeasures() partnerships.MeasureSource {
	return partnerships.MeasureSource{
		Definitions: []partnerships.MeasureDef{
			{Key: "strategy_events_held", Label: "Events and workshops held", Definition: "Published or finished events (networking, workshops, trade fairs, conferences) that started in the year; cancelled and draft events are not counted."},
			{Key: "strategy_event_attendances", Label: "Event attendances", Definition: "Confirmed places at those events not marked absent."},
			{Key: "strategy_event_rating", Label: "Average event feedback rating (1 to 5)", Definition: "The mean rating attendees gave those events in their feedback. Empty when nobody gave feedback."},
		},
		Count: countEvents,
	}
}

func countEvents(ctx context.Context, q db.Querier, from, to time.Time) (map[string]float64, error) {
	var held, attended, rated int
	var sum float64
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE status IN ('published','finished') AND starts_at >= $1 AND starts_at < $2`, from, to).Scan(&held); err != nil {
		return nil, db.Err(err, "")
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_bookings b JOIN events e ON e.id = b.event_id
		WHERE e.status IN ('published','finished') AND e.starts_at >= $1 AND e.starts_at < $2 AND b.status = 'confirmed' AND (b.attended IS NULL OR b.attended)`, from, to).Scan(&attended); err != nil {
		return nil, db.Err(err, "")
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(f.rating), 0) FROM event_feedback f JOIN events e ON e.id = f.event_id
		WHERE e.status IN ('published','finished') AND e.starts_at >= $1 AND e.starts_at < $2`, from, to).Scan(&rated, &sum); err != nil {
		return nil, db.Err(err, "")
	}
	out := map[string]float64{"strategy_events_held": float64(held), "strategy_event_attendances": float64(attended)}
	if rated > 0 {
		out["strategy_event_rating"] = float64(int(sum/float64(rated)*100+0.5)) / 100
	}
	return out, nil
}
