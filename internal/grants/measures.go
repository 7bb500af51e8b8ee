package grants

import (
	"context"
	"time"

	"partnerhub/internal/db"
)

// inTown is the SQL condition for a grant into the town: to an
// organisation in the directory, or for beneficiaries in one of its wards.
const inTown = `(g.recipient_org_id IS NOT NULL OR g.beneficiary_ward <> '')`

// thirdSector are the directory sectors that make up the third sector.
const thirdSector = `('vcs','social_enterprise','faith')`

// MeasureDef names one of the grants' measures.
type MeasureDef struct{ Key, Label, Definition string }

// Measures are the grants' figures among the strategy's measures (the
// app adds them as a partnerships.MeasureSource with CountMeasures;
// grants does not import partnerships, whose tests build the demo town).
var Measures = []MeasureDef{
	{Key: "grants_awarded_count", Label: "Grants awarded into the town", Definition: "360Giving grants awarded in the year to an organisation in the directory or for beneficiaries in one of the town's wards, in any currency."},
	{Key: "grants_awarded_gbp", Label: "Value of grants into the town (£)", Definition: "The total in pounds of those grants awarded in GBP; grants in other currencies are not counted."},
	{Key: "grants_awarded_count_third_sector", Label: "Grants awarded to third-sector organisations", Definition: "Grants awarded in the year to directory organisations in the voluntary and community, social enterprise or faith sector."},
	{Key: "grants_awarded_gbp_third_sector", Label: "Value of grants to third-sector organisations (£)", Definition: "The total in pounds (GBP grants only) of grants awarded in the year to third-sector organisations in the directory."},
	{Key: "grants_orgs_funded", Label: "Organisations funded", Definition: "Directory organisations that were awarded at least one grant in the year."},
	{Key: "grants_funders", Label: "Funders giving into the town", Definition: "Funders (by org-id) that awarded at least one grant into the town in the year."},
}

// CountMeasures counts the measures over [from, to).
func CountMeasures(ctx context.Context, q db.Querier, from, to time.Time) (map[string]float64, error) {
	var n, n3, orgs, funders int64
	var gbp, gbp3 int64
	err := q.QueryRowContext(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN g.currency = 'GBP' THEN g.amount_minor ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN o.sector IN `+thirdSector+` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN o.sector IN `+thirdSector+` AND g.currency = 'GBP' THEN g.amount_minor ELSE 0 END), 0),
		COUNT(DISTINCT g.recipient_org_id), COUNT(DISTINCT g.funder_identifier)
		FROM grants g LEFT JOIN organisations o ON o.id = g.recipient_org_id
		WHERE g.award_date >= $1 AND g.award_date < $2 AND `+inTown,
		from.Format(time.DateOnly), to.Format(time.DateOnly)).Scan(&n, &gbp, &n3, &gbp3, &orgs, &funders)
	if err != nil {
		return nil, err
	}
	return map[string]float64{
		"grants_awarded_count":              float64(n),
		"grants_awarded_gbp":                float64(gbp) / 100,
		"grants_awarded_count_third_sector": float64(n3),
		"grants_awarded_gbp_third_sector":   float64(gbp3) / 100,
		"grants_orgs_funded":                float64(orgs),
		"grants_funders":                    float64(funders),
	}, nil
}
