package opportunities

import (
	"context"
	"time"

	"partnerhub/internal/db"
)

// thirdSector is the organisation sectors counted as the third sector.
const thirdSector = `('vcs','social_enterprise','faith')`

// MeasureDef names one measure (the shape of partnerships.MeasureDef;
// this package does not import partnerships, whose tests build the demo
// town, which imports this package).
type MeasureDef struct{ Key, Label, Definition string }

// MeasureDefs are the feature's figures among the strategy's measures,
// counted by CountMeasures (wired in internal/app).
var MeasureDefs = []MeasureDef{
	{Key: "opportunities_published", Label: "Opportunities published",
		Definition: "Tenders, grant programmes, consultations and pipeline notices first published in the year (imported notices included)."},
	{Key: "opportunities_vcse_suitable_share", Label: "Share of opportunities suitable for VCSE organisations (%)",
		Definition: "Of the opportunities published in the year, the percentage marked suitable for or reserved to voluntary, community and social enterprise organisations."},
	{Key: "opportunities_expressions_of_interest_third_sector", Label: "Expressions of interest by third-sector organisations",
		Definition: "Expressions of interest registered in the year by voluntary and community, social enterprise and faith organisations."},
}

// CountMeasures counts the measures over [from, to).
func CountMeasures(ctx context.Context, q db.Querier, from, to time.Time) (map[string]float64, error) {
	var published, vcse, eoi int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN suitable_vcse OR reserved_vcse THEN 1 ELSE 0 END), 0)
		FROM opportunities WHERE published_at >= $1 AND published_at < $2`, from, to).Scan(&published, &vcse); err != nil {
		return nil, db.Err(err, "")
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM opportunity_interests i JOIN organisations o ON o.id = i.organisation_id
		WHERE i.created_at >= $1 AND i.created_at < $2 AND o.sector IN `+thirdSector, from, to).Scan(&eoi); err != nil {
		return nil, db.Err(err, "")
	}
	out := map[string]float64{"opportunities_published": float64(published), "opportunities_expressions_of_interest_third_sector": float64(eoi)}
	if published > 0 {
		out["opportunities_vcse_suitable_share"] = float64(int(1000*float64(vcse)/float64(published)+0.5)) / 10
	}
	return out, nil
}
