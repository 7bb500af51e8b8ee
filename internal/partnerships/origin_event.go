package partnerships

import (
	"context"
	"strconv"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// originEvent is an event a partnership can say it was introduced at.
type originEvent struct {
	ID    int64
	Title string
	Start time.Time
}

// originEvents lists the most recent events that have started (and were
// not drafts or cancelled), newest first, for the "which event" question.
func originEvents(ctx context.Context, q db.Querier) ([]originEvent, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, title, starts_at FROM events WHERE status IN ('published', 'finished') AND starts_at <= $1
		ORDER BY starts_at DESC, id DESC LIMIT 300`, db.Now())
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	var out []originEvent
	for rows.Next() {
		var e originEvent
		if err := rows.Scan(&e.ID, &e.Title, &e.Start); err != nil {
			return nil, db.Err(err, "")
		}
		out = append(out, e)
	}
	return out, db.Err(rows.Err(), "")
}

// eventLink is an event as a partnership's page links to it.
type eventLink struct{ Slug, Title string }

// originEventLink loads the event a partnership was introduced at; an
// event that no longer exists is apperr ENOTFOUND (the page then shows no
// link); any other failure is returned, not swallowed.
func originEventLink(ctx context.Context, q db.Querier, eventID int64) (eventLink, error) {
	var e eventLink
	err := q.QueryRowContext(ctx, `SELECT slug, title FROM events WHERE id = $1`, eventID).Scan(&e.Slug, &e.Title)
	return e, db.Err(err, "event")
}

// checkOriginEvent adds a field error when the chosen event does not exist
// or was never held.
func checkOriginEvent(ctx context.Context, q db.Querier, v *apperr.Validation, p *Partnership) error {
	if p.OriginEventID == nil {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE id = $1 AND status IN ('published', 'finished')`, *p.OriginEventID).Scan(&n); err != nil {
		return db.Err(err, "")
	}
	v.Check(n == 1, "origin_event", "Select the event from the list")
	return nil
}

func idString(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}
