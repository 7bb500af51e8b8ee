package bids

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/partnerships"
	"partnerhub/internal/testkit"
)

// The demo town's bids are a step testkit runs without importing this
// package (which imports partnerships, whose tests build the demo town).
func init() { testkit.Extra = append(testkit.Extra, Demo) }

// Demo: bids for the demo tenders since 2010 by the demo consortia and
// single organisations, won and lost (with the buyer's feedback and
// scores), awards matched to them by directory organisation (and one by
// name, waiting for an admin), a consortium formed from a
// looking-for-partners post bidding for an open tender, and Blackpool
// Advocacy's bid still being drafted with a gap.
func Demo(ctx context.Context, t *testkit.Town) error {
	if t.ByName["Blackpool Council"] == nil {
		return nil
	}
	now := time.Now().UTC()
	type consortium struct {
		id, lead int64
		start    time.Time
	}
	var cons []consortium
	var third []int64
	store := &opportunities.Store{}
	nBids, nWon, nAwards := 0, 0, 0
	err := t.DB.Write(ctx, func(tx *db.Tx) error {
		var args []any
		in := db.Placeholders(&args, partnerships.ConsortiumModels)
		rows, err := tx.QueryContext(ctx, `SELECT p.id, m.organisation_id, p.start_date FROM partnerships p JOIN partnership_members m ON m.partnership_id = p.id
			WHERE p.model IN (`+in+`) AND m.role = 'lead' AND p.start_date IS NOT NULL ORDER BY p.id`, args...)
		if err != nil {
			return err
		}
		seen := map[int64]bool{}
		for rows.Next() {
			var c consortium
			if err := rows.Scan(&c.id, &c.lead, &c.start); err != nil {
				rows.Close()
				return err
			}
			if !seen[c.id] {
				seen[c.id] = true
				cons = append(cons, c)
			}
		}
		rows.Close()
		for _, o := range t.Orgs {
			if o.Sector == "vcs" || o.Sector == "social_enterprise" || o.Sector == "faith" {
				third = append(third, o.ID)
			}
		}
		if len(third) < 4 {
			return nil
		}
		// shareOut gives the members shares adding up to 100 (the lead
		// the most) and signs every member off at when.
		shareOut := func(b *Bid, when time.Time) error {
			got, err := Get(ctx, tx, b.ID)
			if err != nil {
				return err
			}
			n := len(got.Members)
			sh := map[int64]Share{}
			rest := 100
			for i, m := range got.Members {
				p := 100 / n
				if i == 0 {
					p = 100 - (100/n)*(n-1)
				}
				rest -= p
				sh[m.OrgID] = Share{Role: m.Role, Work: p, Value: p, WorkOK: true, ValueOK: true}
			}
			if err := SetShares(ctx, tx, b.ID, sh, when); err != nil {
				return err
			}
			for _, m := range got.Members {
				if err := SignOff(ctx, tx, b.ID, m.OrgID, 0, true, "", when); err != nil {
					return err
				}
			}
			return nil
		}
		// The awarded tenders since 2010.
		ids, err := db.Column[int64](ctx, tx, `SELECT id FROM opportunities WHERE kind = 'tender' AND status = 'awarded' ORDER BY published_at`)
		if err != nil {
			return err
		}
		feedback := []string{
			"A strong understanding of local need, but the mobilisation plan did not show how referrals would transfer from the current provider.",
			"Good value for money. The social value offer was less specific than the winning bid's, and the outcomes framework was not linked to the service specification.",
			"The partnership's governance was clear; the evidence of delivering at this scale was limited.",
		}
		var lastAward struct {
			oppID, lotID, bidID int64
			lead                string
			at                  time.Time
		}
		for i, oid := range ids {
			o, err := opportunities.GetByID(ctx, tx, oid)
			if err != nil {
				return err
			}
			if o.PublishedAt == nil || o.SubmissionDeadline == nil {
				continue
			}
			var lot int64
			if len(o.Lots) > 0 {
				lot = o.Lots[0].ID
			}
			started := o.PublishedAt.AddDate(0, 0, 7)
			submitted := o.SubmissionDeadline.AddDate(0, 0, -2)
			decided := submitted.AddDate(0, 1, 0)
			if decided.After(now) {
				continue
			}
			var made []*Bid
			// A consortium that existed then, and a single organisation.
			var able []consortium
			for _, c := range cons {
				if !c.start.After(started) {
					able = append(able, c)
				}
			}
			if len(able) > 0 {
				c := able[(i*7+3)%len(able)]
				b, err := CreateHistoric(ctx, tx, NewBid{OpportunityID: oid, LotID: lot, LeadOrgID: c.lead, Mode: "existing", PartnershipID: c.id}, 0, started)
				if err == nil {
					made = append(made, b)
				} else if !strings.Contains(err.Error(), "not a current member") {
					return fmt.Errorf("bid for %s: %w", o.Title, err)
				}
			}
			single := third[(i*5+1)%len(third)]
			if b, err := CreateHistoric(ctx, tx, NewBid{OpportunityID: oid, LotID: lot, LeadOrgID: single, Mode: "single"}, 0, started); err == nil {
				made = append(made, b)
			} else {
				return fmt.Errorf("single bid for %s: %w", o.Title, err)
			}
			for _, b := range made {
				if err := shareOut(b, started.AddDate(0, 0, 3)); err != nil {
					return fmt.Errorf("shares of %s: %w", b.Title, err)
				}
				if err := MarkSubmitted(ctx, tx, b.ID, submitted); err != nil {
					return err
				}
				nBids++
			}
			// The consortium wins two times in three.
			win := made[0]
			if len(made) > 1 && i%3 == 2 {
				win = made[1]
			}
			for j, b := range made {
				if b.ID != win.ID {
					out := Outcome{Feedback: feedback[(i+j)%len(feedback)], Scores: []Score{{Criterion: "Quality", Score: 28 + (i % 8), Max: 40}, {Criterion: "Social value", Score: 6 + (i % 4), Max: 10}, {Criterion: "Price", Score: 38 + (i % 10), Max: 50}}}
					if err := Decide(ctx, tx, b.ID, out, 0, decided); err != nil {
						return err
					}
				}
			}
			got, err := Get(ctx, tx, win.ID)
			if err != nil {
				return err
			}
			lastAward.oppID, lastAward.lotID, lastAward.bidID, lastAward.lead, lastAward.at = oid, lot, win.ID, got.LeadName, decided
			if i == len(ids)-1 {
				break // awarded by name below, for an admin to confirm
			}
			var sup []SupplierIn
			for _, m := range got.Members {
				sup = append(sup, SupplierIn{OrgID: m.OrgID})
			}
			value := o.ValueMax
			if value != nil {
				v := *value * 9 / 10
				value = &v
			}
			if _, err := RecordAward(ctx, tx, store, AwardIn{OpportunityID: oid, LotID: lot, Value: value, Date: decided, Suppliers: sup}, 0, decided); err != nil {
				return fmt.Errorf("award of %s: %w", o.Title, err)
			}
			nAwards++
			nWon++
		}
		if lastAward.bidID != 0 {
			// An award from a published notice naming the supplier a little
			// differently: proposed by name, for an admin to confirm.
			if _, err := RecordAward(ctx, tx, store, AwardIn{OpportunityID: lastAward.oppID, LotID: lastAward.lotID, Date: lastAward.at, Source: "ocds",
				OCDSID: "award-1", Suppliers: []SupplierIn{{Name: "The " + lastAward.lead + " Ltd"}}, AllowUnmatched: true}, 0, lastAward.at); err != nil {
				return err
			}
			nAwards++
		}

		// A commissioner's required KPIs from the outcome bank on a
		// contract a consortium won, so its outcomes page shows them with
		// the members' figures.
		kpiOpp, err := demoKPIs(ctx, tx, store, now)
		if err != nil {
			return fmt.Errorf("required KPIs: %w", err)
		}
		if kpiOpp != 0 {
			t.Result.Counts["contracts with required KPIs"] = 1
		}

		// Open opportunities (tenders first): a consortium formed from a looking-for-partners post,
		// and Blackpool Advocacy's bid still being drafted with a gap.
		open, err := db.Column[int64](ctx, tx, `SELECT id FROM opportunities WHERE kind IN ('tender','grant') AND status = 'open' ORDER BY kind DESC, closes_at`)
		if err != nil {
			return err
		}
		ba := t.ByName["Blackpool Advocacy"]
		if len(open) == 0 || ba == nil {
			return nil
		}
		var postID, postOrg int64
		err = tx.QueryRowContext(ctx, `SELECT p.id, p.organisation_id FROM partner_posts p WHERE p.organisation_id <> $1
			AND EXISTS (SELECT 1 FROM partner_post_responses r WHERE r.post_id = p.id AND r.organisation_id <> p.organisation_id) ORDER BY p.id LIMIT 1`, ba.ID).Scan(&postID, &postOrg)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		if postID != 0 {
			o, err := opportunities.GetByID(ctx, tx, open[0])
			if err != nil {
				return err
			}
			var lot int64
			if len(o.Lots) > 0 {
				lot = o.Lots[0].ID
			}
			name, _ := demoOrgName(ctx, tx, postOrg)
			at := now.AddDate(0, 0, -5)
			b, err := Create(ctx, tx, NewBid{OpportunityID: o.ID, LotID: lot, LeadOrgID: postOrg, Mode: "new", ConsortiumName: name + " Partnership", Model: "lead_contractor_consortium", OriginPostID: postID}, 0, at)
			if err != nil {
				return fmt.Errorf("bid from a post: %w", err)
			}
			resp, err := db.Column[int64](ctx, tx, `SELECT DISTINCT organisation_id FROM partner_post_responses WHERE post_id = $1 AND organisation_id <> $2 ORDER BY organisation_id LIMIT 3`, postID, postOrg)
			if err != nil {
				return err
			}
			for _, r := range resp {
				if _, err := AddMember(ctx, tx, b.ID, r, RoleMember, at); err != nil {
					return err
				}
			}
			if err := shareOut(b, at.AddDate(0, 0, 1)); err != nil {
				return err
			}
			if err := MarkSubmitted(ctx, tx, b.ID, at.AddDate(0, 0, 2)); err != nil {
				return err
			}
			nBids++
		}
		o, err := opportunities.GetByID(ctx, tx, open[len(open)-1])
		if err != nil {
			return err
		}
		var lot int64
		if len(o.Lots) > 0 {
			lot = o.Lots[len(o.Lots)-1].ID
		}
		at := now.AddDate(0, 0, -2)
		b, err := Create(ctx, tx, NewBid{OpportunityID: o.ID, LotID: lot, LeadOrgID: ba.ID, Mode: "new", ConsortiumName: "Blackpool Advocacy Alliance", Model: "lead_contractor_consortium"}, 0, at)
		if err != nil {
			return fmt.Errorf("drafting bid: %w", err)
		}
		for _, name := range []string{"Enterprise Solutions", "Alcohol Peer Support Group"} {
			if org := t.ByName[name]; org != nil {
				if _, err := AddMember(ctx, tx, b.ID, org.ID, RoleMember, at); err != nil {
					return err
				}
			}
		}
		if err := SignOff(ctx, tx, b.ID, ba.ID, 0, true, "", at); err != nil {
			return err
		}
		nBids++
		return nil
	})
	t.Result.Counts["bids"] = nBids
	t.Result.Counts["bids won (awards matched)"] = nWon
	t.Result.Counts["awards"] = nAwards
	return err
}

func demoOrgName(ctx context.Context, q db.Querier, id int64) (string, error) {
	var n string
	err := q.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, id).Scan(&n)
	return n, err
}

// demoKPIs gives the latest contract won by a consortium whose members
// measure shared indicators the commissioner's required KPIs: the two
// bank indicators most of its current members measured last year,
// each with a target in words, added through the opportunities store as
// an amendment (KPIs agreed for contract monitoring after the award). It
// returns the opportunity's id, or 0 when no consortium measures any.
func demoKPIs(ctx context.Context, tx *db.Tx, store *opportunities.Store, now time.Time) (int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT b.opportunity_id, b.partnership_id FROM bids b
		WHERE b.status = $1 AND b.partnership_id IS NOT NULL ORDER BY b.decided_at DESC, b.id DESC`, StatusWon)
	if err != nil {
		return 0, err
	}
	type won struct{ opp, partnership int64 }
	var ws []won
	for rows.Next() {
		var w won
		if err := rows.Scan(&w.opp, &w.partnership); err != nil {
			rows.Close()
			return 0, err
		}
		ws = append(ws, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	// Last year: the year a consortium's outcomes page shows first.
	lastYear := time.Date(now.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, w := range ws {
		banks, err := db.Column[int64](ctx, tx, `SELECT i.bank_indicator_id FROM outcome_indicators i
			JOIN partnership_members m ON m.organisation_id = i.owner_id AND i.owner_type = 'organisation'
			WHERE m.partnership_id = $1 AND m.left_on IS NULL AND i.bank_indicator_id IS NOT NULL
			AND EXISTS (SELECT 1 FROM outcome_measurements x WHERE x.indicator_id = i.id AND x.period_start >= $2 AND x.period_start < $3)
			GROUP BY i.bank_indicator_id ORDER BY COUNT(DISTINCT i.owner_id) DESC, i.bank_indicator_id LIMIT 2`, w.partnership, lastYear, lastYear.AddDate(1, 0, 0))
		if err != nil {
			return 0, err
		}
		if len(banks) == 0 {
			continue
		}
		o, err := opportunities.GetByID(ctx, tx, w.opp)
		if err != nil {
			return 0, err
		}
		targets := []string{"An improvement every quarter, reported within 30 days of the quarter's end", "At least the figure of the contract's first year, every year"}
		o.KPIs = nil
		for i, id := range banks {
			o.KPIs = append(o.KPIs, opportunities.KPI{BankIndicatorID: id, Target: targets[i]})
		}
		if err := store.Update(ctx, tx, o, 0, "Required KPIs from the outcome bank agreed for contract monitoring"); err != nil {
			return 0, err
		}
		return o.ID, nil
	}
	return 0, nil
}
