package outcomes

import (
	"context"

	"partnerhub/internal/db"
)

// RequiredKPI is a commissioner's required KPI (an outcome bank indicator)
// on a contract a partnership delivers. The opportunities and bids
// features own where they come from; Service.RequiredKPIs is wired in
// internal/app (outcomes cannot import bids, which imports outcomes).
type RequiredKPI struct {
	Opportunity, OpportunitySlug string
	BankIndicatorID              int64
	Name, Unit, Theme, Target    string
}

// KPIRow is a required KPI beside the members' rolled-up figure for it.
type KPIRow struct {
	RequiredKPI
	Rollup *Rollup // nil: no member reported it in the year
}

// KPIRows matches required KPIs with roll-ups by bank indicator.
func KPIRows(kpis []RequiredKPI, rs []Rollup) []KPIRow {
	by := map[int64]*Rollup{}
	for i := range rs {
		by[rs[i].ID] = &rs[i]
	}
	out := make([]KPIRow, 0, len(kpis))
	for _, k := range kpis {
		out = append(out, KPIRow{RequiredKPI: k, Rollup: by[k.BankIndicatorID]})
	}
	return out
}

// requiredKPIs asks the wired source, if any.
func (s *Service) requiredKPIs(ctx context.Context, q db.Querier, partnershipID int64) ([]RequiredKPI, error) {
	if s.RequiredKPIs == nil {
		return nil, nil
	}
	return s.RequiredKPIs(ctx, q, partnershipID)
}
