package bids

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/ocds"
	"partnerhub/internal/opportunities"
)

// The OCDS export's hook: OCDSFor returns an opportunity's bids (OCDS bid
// extension: bids.details, each bid's tenderers the consortium's members;
// expressions of interest as requests to participate) and awards (with
// suppliers and relatedBids), in shapes the ocds package turns into
// release JSON (parties from OCDSOrg as it does for buyers and suppliers).

// OCDSOrg is an organisation as OCDS names it: its name and org-id
// identifiers (GB-CHC-..., GB-COH-...), first the one used as its id.
type OCDSOrg struct {
	Name        string
	Identifiers []string
}

// OCDSBid is one entry of bids.details. Kind is "bid" or
// "requestToParticipate" (an expression of interest). Status follows the
// bid extension's bidStatus codelist: pending (submitted, not decided),
// valid (decided), withdrawn.
type OCDSBid struct {
	ID          string
	Kind        string
	Date        time.Time
	Status      string
	Tenderers   []OCDSOrg
	Value       *int64 // pence, the value awarded when won
	RelatedLots []string
}

// OCDSAward is one entry of awards.
type OCDSAward struct {
	ID          string
	Status      string // active
	Date        time.Time
	Value       *int64 // pence
	Suppliers   []OCDSOrg
	RelatedBids []string
	RelatedLots []string
}

// OCDSBidStats is bids.statistics: how many bids and requests to
// participate.
type OCDSBidStats struct {
	Bids, RequestsToParticipate int
}

func lotRef(lot int64) []string {
	if lot == 0 {
		return nil
	}
	return []string{strconv.FormatInt(lot, 10)}
}

// OCDSFor returns the opportunity's submitted and decided bids (drafts are
// private), its expressions of interest and its awards.
func OCDSFor(ctx context.Context, q db.Querier, oppID int64) ([]OCDSBid, []OCDSAward, OCDSBidStats, error) {
	var stats OCDSBidStats
	idents := map[int64][]string{}
	identsOf := func(org int64) ([]string, error) {
		if v, ok := idents[org]; ok {
			return v, nil
		}
		v, err := db.Column[string](ctx, q, `SELECT identifier FROM org_identifiers WHERE organisation_id = $1 ORDER BY identifier`, org)
		idents[org] = v
		return v, err
	}
	bs, err := List(ctx, q, ListFilter{OpportunityID: oppID})
	if err != nil {
		return nil, nil, stats, err
	}
	var out []OCDSBid
	for _, b := range bs {
		if b.SubmittedAt == nil {
			continue
		}
		ob := OCDSBid{ID: b.UUID, Kind: "bid", Date: *b.SubmittedAt, Status: "pending", RelatedLots: lotRef(b.LotID)}
		switch b.Status {
		case StatusWon:
			ob.Status, ob.Value = "valid", b.ValueAwarded
		case StatusLost:
			ob.Status = "valid"
		case StatusWithdrawn:
			ob.Status = "withdrawn"
		}
		ms, err := membersOf(ctx, q, b.ID)
		if err != nil {
			return nil, nil, stats, err
		}
		for _, m := range ms {
			if m.Role == RoleSubcontractor {
				continue // tenderers are the consortium's members
			}
			ids, err := identsOf(m.OrgID)
			if err != nil {
				return nil, nil, stats, err
			}
			ob.Tenderers = append(ob.Tenderers, OCDSOrg{Name: m.OrgName, Identifiers: ids})
		}
		out = append(out, ob)
		stats.Bids++
	}
	rows, err := q.QueryContext(ctx, `SELECT i.id, i.organisation_id, o.name, i.created_at FROM opportunity_interests i JOIN organisations o ON o.id = i.organisation_id
		WHERE i.opportunity_id = $1 ORDER BY i.created_at, i.id`, oppID)
	if err != nil {
		return nil, nil, stats, err
	}
	type eoi struct {
		id, org int64
		name    string
		at      time.Time
	}
	var es []eoi
	for rows.Next() {
		var e eoi
		if err := rows.Scan(&e.id, &e.org, &e.name, &e.at); err != nil {
			rows.Close()
			return nil, nil, stats, err
		}
		es = append(es, e)
	}
	rows.Close()
	for _, e := range es {
		ids, err := identsOf(e.org)
		if err != nil {
			return nil, nil, stats, err
		}
		out = append(out, OCDSBid{ID: "eoi-" + strconv.FormatInt(e.id, 10), Kind: "requestToParticipate", Date: e.at, Status: "pending", Tenderers: []OCDSOrg{{Name: e.name, Identifiers: ids}}})
		stats.RequestsToParticipate++
	}
	as, err := Awards(ctx, q, oppID)
	if err != nil {
		return nil, nil, stats, err
	}
	uuids := map[int64]string{}
	for _, b := range bs {
		uuids[b.ID] = b.UUID
	}
	var awards []OCDSAward
	for _, a := range as {
		oa := OCDSAward{ID: "award-" + strconv.FormatInt(a.ID, 10), Status: "active", Date: a.Date, Value: a.Value, RelatedLots: lotRef(a.LotID)}
		if a.OCDSID != "" {
			oa.ID = a.OCDSID
		}
		seen := map[int64]bool{}
		for _, s := range a.Suppliers {
			org := OCDSOrg{Name: s.Name}
			if s.OrgID != 0 {
				ids, err := identsOf(s.OrgID)
				if err != nil && err != sql.ErrNoRows {
					return nil, nil, stats, err
				}
				org.Identifiers = ids
			} else if s.Identifier != "" {
				org.Identifiers = []string{s.Identifier}
			}
			oa.Suppliers = append(oa.Suppliers, org)
			if s.State == "matched" && s.BidID != 0 && !seen[s.BidID] {
				seen[s.BidID] = true
				oa.RelatedBids = append(oa.RelatedBids, uuids[s.BidID])
			}
		}
		awards = append(awards, oa)
	}
	return out, awards, stats, nil
}

// ReleaseSection is the OCDS publisher's section for bids (registered with
// ocds.Service.AddSection): once the opportunity is awarded, its release
// carries bids.details (each submitted bid with the consortium's members
// as tenderers, and each expression of interest), bids.statistics, and
// the awards recorded here with their suppliers and related bids. Before
// the award nothing is disclosed: bids stay private while they are
// evaluated. An opportunity still open for some of its lots discloses the
// awards of the lots awarded so far and those lots' bids only (the
// release each lot award adds, tagged award).
func ReleaseSection(ctx context.Context, q db.Querier, o *opportunities.Opportunity, r *ocds.ReleaseDoc) error {
	awarded := o.Status == opportunities.StatusAwarded
	if !awarded && len(o.Lots) == 0 {
		return nil
	}
	bs, as, stats, err := OCDSFor(ctx, q, o.ID)
	if err != nil {
		return err
	}
	if !awarded {
		lotsAwarded := map[string]bool{}
		for _, a := range as {
			for _, l := range a.RelatedLots {
				lotsAwarded[l] = true
			}
		}
		if len(lotsAwarded) == 0 {
			return nil
		}
		var shown []OCDSBid
		for _, b := range bs {
			if len(b.RelatedLots) == 1 && lotsAwarded[b.RelatedLots[0]] {
				shown = append(shown, b)
			}
		}
		bs = shown
		stats = OCDSBidStats{}
		for _, b := range bs {
			if b.Kind == "requestToParticipate" {
				stats.RequestsToParticipate++
			} else {
				stats.Bids++
			}
		}
	}
	lots := map[string]string{} // lot id here -> the lot's id in the release (its position)
	for _, l := range o.Lots {
		lots[strconv.FormatInt(l.ID, 10)] = strconv.Itoa(l.Position)
	}
	lotIDs := func(ids []string) []string {
		var out []string
		for _, id := range ids {
			if p, ok := lots[id]; ok {
				out = append(out, p)
			}
		}
		return out
	}
	org := func(o OCDSOrg) ocds.Org { return ocds.Org{Name: o.Name, Identifiers: o.Identifiers} }
	sec := &ocds.Bids{Statistics: []ocds.Statistic{
		{ID: "bids", Measure: "bids", Value: float64(stats.Bids)},
		{ID: "requests", Measure: "requests", Value: float64(stats.RequestsToParticipate)},
	}}
	for _, b := range bs {
		d := ocds.Bid{ID: b.ID, SubmissionType: "bid", Date: b.Date.UTC().Format(time.RFC3339), Status: b.Status,
			Value: ocds.Money(b.Value, o.Currency), RelatedLots: lotIDs(b.RelatedLots)}
		if b.Kind == "requestToParticipate" {
			d.SubmissionType = "expressionOfInterest"
		}
		for _, t := range b.Tenderers {
			d.Tenderers = append(d.Tenderers, r.AddParty(org(t), "tenderer"))
		}
		sec.Details = append(sec.Details, d)
	}
	r.Bids = sec
	if len(as) == 0 {
		return nil // the award release written from the opportunity stands
	}
	r.Awards = nil
	for _, a := range as {
		oa := ocds.Award{ID: ocds.ID(a.ID), Status: a.Status, Date: a.Date.UTC().Format(time.RFC3339),
			Value: ocds.Money(a.Value, o.Currency), RelatedBids: a.RelatedBids, RelatedLots: lotIDs(a.RelatedLots)}
		for _, s := range a.Suppliers {
			oa.Suppliers = append(oa.Suppliers, r.AddParty(org(s), "supplier"))
		}
		r.Awards = append(r.Awards, oa)
	}
	return nil
}
