package bids_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/bids"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/outcomes"
)

// TestCommissionerKPIsReachTheConsortium: a commissioner's required KPI on
// an opportunity (an outcome bank indicator) shows on the opportunity, in
// the bid builder and, once the consortium won, on its outcomes page, each
// time with the members' figures rolled up by the indicator's rule.
func TestCommissionerKPIsReachTheConsortium(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		env.User("lead@x.test", false)
		env.User("buyer@x.test", false)
		buyer := env.Org("Blackpool Council", "public", map[string]string{"buyer@x.test": "editor"})
		lead := env.Org("Blackpool Befriending", "vcs", map[string]string{"lead@x.test": "owner"})
		other := env.Org("Anchorsholme Lunch Club", "vcs", nil)
		var bi *outcomes.BankIndicator
		if err := d.Write(ctx, func(tx *db.Tx) error {
			var theme int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM taxonomy_terms WHERE vocabulary = 'theme' ORDER BY id LIMIT 1`).Scan(&theme); err != nil {
				return err
			}
			bo := &outcomes.BankOutcome{ThemeID: theme, Title: "People feel less lonely"}
			if err := outcomes.AddBankOutcome(ctx, tx, bo); err != nil {
				return err
			}
			bi = &outcomes.BankIndicator{BankOutcomeID: bo.ID, Name: "People attending weekly", Definition: "Counted at the door", Kind: "numeric", Unit: "people", Frequency: "quarterly", Rollup: "sum"}
			return outcomes.AddBankIndicator(ctx, tx, bi)
		}); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		q := now.AddDate(0, -4, 0)
		period := fmt.Sprintf("%d-Q%d", q.Year(), (int(q.Month())-1)/3+1)
		for i, org := range []int64{lead.ID, other.ID} {
			p := &outcomes.Plan{OwnerType: outcomes.OwnerOrg, OwnerID: org, Title: "Plan", Aim: "Aim",
				Start: now.AddDate(-2, 0, 0), End: now.AddDate(2, 0, 0), Review: now.AddDate(1, 0, 0)}
			if err := d.Write(ctx, func(tx *db.Tx) error {
				if err := outcomes.CreatePlan(ctx, tx, p, 0); err != nil {
					return err
				}
				in, err := outcomes.Adopt(ctx, tx, p, bi.ID)
				if err != nil {
					return err
				}
				in.OwnerType, in.OwnerID = p.OwnerType, p.OwnerID
				m, err := outcomes.MeasurementInput(p, in, url.Values{"period": {period}, "value": {strconv.Itoa(30 + 12*i)}, "people": {"40"}})
				if err != nil {
					return err
				}
				_, err = outcomes.SaveMeasurement(ctx, tx, in, m, 0)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		closes := now.AddDate(0, 0, 30)
		o := &opportunities.Opportunity{Kind: opportunities.KindTender, Title: "Befriending older people", BuyerID: buyer.ID,
			SubmissionDeadline: &closes, Procedure: "open", SuitableVCSE: true,
			KPIs: []opportunities.KPI{{BankIndicatorID: bi.ID, Target: "400 people a year"}}}
		st := env.App.Opportunities.Store
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if err := st.Create(ctx, tx, o, 0); err != nil {
				return err
			}
			return st.Publish(ctx, tx, o.ID, 0)
		}); err != nil {
			t.Fatal(err)
		}
		env.Anon().Get("/opportunities/"+o.Slug).Status(t, 200).Contains(t, "Required KPIs", "People attending weekly (people)", "400 people a year")

		var b *bids.Bid
		if err := d.Write(ctx, func(tx *db.Tx) error {
			var err error
			b, err = bids.Create(ctx, tx, bids.NewBid{OpportunityID: o.ID, LeadOrgID: lead.ID, Mode: "new", ConsortiumName: "Befriending Together", Model: "lead_contractor_consortium"}, 0, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		page := "/orgs/" + lead.Slug + "/bids/" + strconv.FormatInt(b.ID, 10)
		c := env.As("lead@x.test")
		// Only the lead is in the bid so far: its own figure (30).
		c.Get(page).Status(t, 200).Contains(t, "The commissioner's required KPIs", "400 people a year", `<td class="num">1</td><td class="num">30 people`)

		// Not won yet: the consortium's page shows no required KPIs.
		b, err := bids.Get(ctx, d.Q(), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		outcomesPage := "/partnerships/" + b.PartnershipSlug + "/outcomes?year=" + strconv.Itoa(q.Year())
		c.Get(outcomesPage).Status(t, 200).NotContains(t, "Commissioners' required KPIs")
		// Both charities in the consortium, the bid won: the KPI shows
		// with both members' figures summed (30 + 42).
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO partnership_members (partnership_id, organisation_id, role, joined_on, created_at) VALUES ($1, $2, 'member', $3, $4)`, b.PartnershipID, other.ID, now.AddDate(0, -1, 0), now); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE bids SET status = 'won' WHERE id = $1`, b.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		c.Get(outcomesPage).Status(t, 200).Contains(t, "Commissioners' required KPIs", "Befriending older people", "400 people a year", `<td class="num">2</td><td class="num">72 people`)
	})
}
