package outcomes

import (
	"context"
	"sort"
	"time"

	"partnerhub/internal/db"
)

// Workshop is an outcome-based workshop (an event of that type) with the
// organisations that attended it and their ladder step on its day and now,
// so the admin sees who moved up after it.
type Workshop struct {
	EventID     int64
	Title, Slug string
	StartsAt    time.Time
	Attendees   []WorkshopAttendee
	MovedUp     int
}

// WorkshopAttendee is one attending organisation's step before and after.
type WorkshopAttendee struct {
	OrgID         int64
	Name, Slug    string
	Before, After int
}

// MovedUpPct is the share of attending organisations that moved up.
func (w Workshop) MovedUpPct() float64 { return Pct(w.MovedUp, len(w.Attendees)) }

// WorkshopRule is written on the page.
const WorkshopRule = `An organisation attended when one of its people had a confirmed booking marked as attended. ` +
	`"Before" is its step at the start of the workshop, "now" its step today, by the ladder's rule; only third-sector organisations are on the ladder.`

// Workshops lists the outcome-based workshops that started in [since,
// now), newest first, each with its attending third-sector organisations'
// steps on the day and at now. Steps are worked out only for those
// organisations (LadderOf), so this stays quick however large the town.
func Workshops(ctx context.Context, q db.Querier, since, now time.Time) ([]Workshop, error) {
	rows, err := q.QueryContext(ctx, `SELECT e.id, e.title, e.slug, e.starts_at, o.id, o.name, o.slug
		FROM events e JOIN event_bookings b ON b.event_id = e.id JOIN organisations o ON o.id = b.organisation_id
		WHERE e.type = 'outcome_workshop' AND e.status IN ('published','finished') AND e.starts_at >= $1 AND e.starts_at < $2
		AND b.status = 'confirmed' AND b.attended = $3
		ORDER BY e.starts_at DESC, e.id, o.name, o.id`, since, now, true)
	if err != nil {
		return nil, err
	}
	var out []Workshop
	seen := map[[2]int64]bool{}
	for rows.Next() {
		var w Workshop
		var a WorkshopAttendee
		if err := rows.Scan(&w.EventID, &w.Title, &w.Slug, &w.StartsAt, &a.OrgID, &a.Name, &a.Slug); err != nil {
			rows.Close()
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].EventID != w.EventID {
			out = append(out, w)
		}
		if k := [2]int64{w.EventID, a.OrgID}; !seen[k] { // two people from one organisation
			seen[k] = true
			last := &out[len(out)-1]
			last.Attendees = append(last.Attendees, a)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var all []int64
	for _, w := range out {
		for _, a := range w.Attendees {
			all = append(all, a.OrgID)
		}
	}
	after, err := LadderOf(ctx, q, now, all)
	if err != nil {
		return nil, err
	}
	for i := range out {
		w := &out[i]
		var orgs []int64
		for _, a := range w.Attendees {
			orgs = append(orgs, a.OrgID)
		}
		before, err := LadderOf(ctx, q, w.StartsAt, orgs)
		if err != nil {
			return nil, err
		}
		kept := w.Attendees[:0]
		for _, a := range w.Attendees {
			s, ok := after[a.OrgID]
			if !ok { // not third sector
				continue
			}
			a.Before, a.After = before[a.OrgID], s
			if a.After > a.Before {
				w.MovedUp++
			}
			kept = append(kept, a)
		}
		w.Attendees = kept
		sort.SliceStable(w.Attendees, func(x, y int) bool {
			return w.Attendees[x].After-w.Attendees[x].Before > w.Attendees[y].After-w.Attendees[y].Before
		})
	}
	return out, nil
}
