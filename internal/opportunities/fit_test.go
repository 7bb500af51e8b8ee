package opportunities

import (
	"context"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestFitsRankByTheFinderAndNameUnmetRequirements: an advocacy charity
// sees the advocacy tender (not the recovery one, which shares nothing
// with it) with the finder's reasons, and is told its safeguarding policy
// is out of date and that it is not commissioning ready.
func TestFitsRankByTheFinderAndNameUnmetRequirements(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		buyer := mkOrg(t, d, "Blackpool Council", "public")
		charity := mkOrg(t, d, "Blackpool Advocacy", "vcs")
		now := time.Now().UTC()
		err := d.Write(ctx, func(tx *db.Tx) error {
			for _, q := range []string{
				`INSERT INTO org_terms (organisation_id, term_id) SELECT $1, id FROM taxonomy_terms WHERE code = 'advice-advocacy'`,
				`INSERT INTO org_areas (organisation_id, kind, code) VALUES ($1, 'ward', 'Talbot')`,
			} {
				if _, err := tx.ExecContext(ctx, q, charity.ID); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO org_policies (organisation_id, kind, review_date) VALUES ($1, 'safeguarding', $2)`, charity.ID, now.AddDate(0, -2, 0))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		s := &Store{}
		publish := func(o *Opportunity) {
			if err := d.Write(ctx, func(tx *db.Tx) error {
				if err := s.Create(ctx, tx, o, 0); err != nil {
					return err
				}
				return s.Publish(ctx, tx, o.ID, 0)
			}); err != nil {
				t.Fatal(err)
			}
		}
		adv := tender(buyer.ID)
		adv.CommissioningReadyRequired = true
		publish(adv)
		rec := &Opportunity{Kind: KindTender, Title: "Recovery hub", BuyerID: buyer.ID, SubmissionDeadline: at(now.AddDate(0, 0, 9)),
			Requirements: []Requirement{{Kind: ReqService, Code: "recovery-support", Mandatory: true}}}
		publish(rec)
		fits, err := FitsFor(ctx, d.Q(), d.Dialect, charity.ID, now, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(fits) != 1 || fits[0].O.ID != adv.ID {
			t.Fatalf("fits %+v", fits)
		}
		reasons, unmet := strings.Join(fits[0].Reasons, "; "), strings.Join(fits[0].Unmet, "; ")
		if !strings.Contains(reasons, "Advice and advocacy") || !strings.Contains(reasons, "Talbot") {
			t.Errorf("reasons %q", reasons)
		}
		if !strings.Contains(unmet, "policy out of date") || !strings.Contains(unmet, "Not commissioning ready") {
			t.Errorf("unmet %q", unmet)
		}
		if fits[0].Score <= 0 {
			t.Errorf("score %v", fits[0].Score)
		}
	})
}
