package assess

import (
	"context"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// Todos is the assess feature's lines on a signed-in person's home:
// assessments they work on that are open for answers, assessments waiting
// for their review, and open health checks they have not answered;
// administrators also see submitted assessments nobody reviews yet.
func (s *Service) Todos(ctx context.Context, id *web.Identity) ([]web.Todo, error) {
	q := s.DB.Q()
	var out []web.Todo
	var contribute, review int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM assess_assessments a JOIN assess_contributors c ON c.assessment_id = a.id
		WHERE c.user_id = $1 AND a.status IN ($2, $3)`, id.UserID, StatusDraft, StatusMoreEvidence).Scan(&contribute); err != nil {
		return nil, err
	}
	if contribute > 0 {
		out = append(out, web.Todo{Title: "Assessments to contribute to", Count: contribute, Href: "/assessments"})
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM assess_assessments WHERE reviewer_id = $1 AND status = $2`,
		id.UserID, StatusSubmitted).Scan(&review); err != nil {
		return nil, err
	}
	if review > 0 {
		out = append(out, web.Todo{Title: "Assessments waiting for your review", Count: review, Href: "/assessments"})
	}
	if id.Admin {
		var waiting int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM assess_assessments WHERE reviewer_id IS NULL AND status = $1`, StatusSubmitted).Scan(&waiting); err != nil {
			return nil, err
		}
		if waiting > 0 {
			out = append(out, web.Todo{Title: "Submitted assessments (Quality Mark, readiness) with no reviewer yet", Count: waiting, Href: "/assessments"})
		}
	}
	n, err := healthChecksToAnswer(ctx, q, id.UserID, Today(s.Now()))
	if err != nil {
		return nil, err
	}
	if n > 0 {
		out = append(out, web.Todo{Title: "Partnership health checks to answer", Count: n, Href: "/health-checks"})
	}
	return out, nil
}

// healthChecksToAnswer counts open rounds of the person's partnerships
// that they have not answered.
func healthChecksToAnswer(ctx context.Context, q db.Querier, userID int64, today time.Time) (int, error) {
	rounds, err := RoundsFor(ctx, q, userID, false)
	if err != nil {
		return 0, err
	}
	rows, err := q.QueryContext(ctx, `SELECT round_id FROM assess_hc_responded WHERE user_id = $1`, userID)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	answered := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, err
		}
		answered[id] = true
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rounds {
		if !r.Closed(today) && !answered[r.ID] {
			n++
		}
	}
	return n, nil
}
