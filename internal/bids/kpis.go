package bids

import (
	"context"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/outcomes"
)

// DeliveredKPIs lists the required KPIs of every opportunity a partnership
// won a bid for: the source of outcomes.Service.RequiredKPIs (wired in
// internal/app), so the consortium's outcomes page shows them.
func DeliveredKPIs(ctx context.Context, q db.Querier, partnershipID int64) ([]outcomes.RequiredKPI, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT o.id, o.title, o.slug FROM bids b JOIN opportunities o ON o.id = b.opportunity_id
		WHERE b.partnership_id = $1 AND b.status = $2 ORDER BY o.title, o.id`, partnershipID, StatusWon)
	if err != nil {
		return nil, err
	}
	type opp struct {
		id          int64
		title, slug string
	}
	var opps []opp
	for rows.Next() {
		var o opp
		if err := rows.Scan(&o.id, &o.title, &o.slug); err != nil {
			rows.Close()
			return nil, err
		}
		opps = append(opps, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []outcomes.RequiredKPI
	for _, o := range opps {
		ks, err := opportunities.KPIsOf(ctx, q, o.id)
		if err != nil {
			return nil, err
		}
		for _, k := range ks {
			out = append(out, outcomes.RequiredKPI{Opportunity: o.title, OpportunitySlug: o.slug, BankIndicatorID: k.BankIndicatorID,
				Name: k.Name, Unit: k.Unit, Theme: k.Theme, Target: k.Target})
		}
	}
	return out, nil
}

// builderKPIs is the bid builder's view of the opportunity's required
// KPIs: each with the bid members' figures rolled up over the 12 months
// before now (members without a plan adopting the indicator count as not
// reporting).
func builderKPIs(ctx context.Context, q db.Querier, b *Bid, o *opportunities.Opportunity, now time.Time) ([]outcomes.KPIRow, error) {
	if len(o.KPIs) == 0 {
		return nil, nil
	}
	var orgs []int64
	for _, m := range b.Members {
		orgs = append(orgs, m.OrgID)
	}
	rs, err := outcomes.MemberRollups(ctx, q, now.AddDate(-1, 0, 0), now, orgs)
	if err != nil {
		return nil, err
	}
	var req []outcomes.RequiredKPI
	for _, k := range o.KPIs {
		req = append(req, outcomes.RequiredKPI{Opportunity: o.Title, OpportunitySlug: o.Slug, BankIndicatorID: k.BankIndicatorID,
			Name: k.Name, Unit: k.Unit, Theme: k.Theme, Target: k.Target})
	}
	return outcomes.KPIRows(req, rs), nil
}
