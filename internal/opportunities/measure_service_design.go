package opportunities

import (
	"context"
	"time"

	"partnerhub/internal/db"
)

// KeyOrgsInServiceDesign is the strategy measure "More organisations
// involved in service design".
const KeyOrgsInServiceDesign = "opportunities_orgs_in_service_design"

// The measure "organisations involved in service design" counts the
// distinct third-sector organisations that responded to a consultation
// (first submitted in the year) or came to a commissioning workshop held in
// the year (a confirmed booking not marked absent, as the event measures
// count attendance; the events feature has no separate co-design type:
// commissioning workshops are the strategy's "commissioning workshops"
// activity under the same aim). CountMeasures includes it.

// CountOrgsInServiceDesign counts the measure over [from, to); workshops
// after now have not been held yet and do not count.
func CountOrgsInServiceDesign(ctx context.Context, q db.Querier, from, to, now time.Time) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT x.org) FROM (
		SELECT r.organisation_id AS org FROM consultation_responses r WHERE r.submitted_at >= $1 AND r.submitted_at < $2
		UNION
		SELECT b.organisation_id AS org FROM event_bookings b JOIN events e ON e.id = b.event_id
		WHERE e.type = 'commissioning_workshop' AND e.status IN ('published','finished') AND e.starts_at >= $1 AND e.starts_at < $2 AND e.starts_at <= $3
			AND b.status = 'confirmed' AND (b.attended IS NULL OR b.attended = TRUE) AND b.organisation_id IS NOT NULL
	) x JOIN organisations o ON o.id = x.org WHERE o.sector IN ('vcs','social_enterprise','faith')`, from, to, now).Scan(&n)
	return n, err
}
