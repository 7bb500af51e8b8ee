package partnerships_test

import (
	"context"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/partnerships"
	"partnerhub/internal/testkit"
)

// TestDemoTellsAStory checks the demo's partnership history: growth over the
// years, consortia formed and dissolved, organisations never in a
// partnership, and SQL agreeing with the reference on it.
func TestDemoTellsAStory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := testkit.Generate(ctx, d, testkit.Options{Seed: 2009, Orgs: 300}); err != nil {
			t.Fatal(err)
		}
		var periods []partnerships.Period
		for y := 2009; y <= 2026; y++ {
			periods = append(periods, partnerships.PeriodOf(y, time.January))
		}
		raws, err := partnerships.ComputeSQL(ctx, d.Q(), periods)
		if err != nil {
			t.Fatal(err)
		}
		first, last := raws[1], raws[len(raws)-1]
		if last.PartnershipsActive < 3*first.PartnershipsActive || last.OrganisationsInPartnership < 3*first.OrganisationsInPartnership {
			t.Errorf("no growth: 2010 %+v, 2026 %+v", first, last)
		}
		formed, dissolved := 0, 0
		for _, r := range raws {
			formed += r.ConsortiaFormed
			dissolved += r.ConsortiaDissolved
		}
		if formed < 10 || dissolved < 3 || last.DistinctModels() < 6 || last.MedianLifespan() == nil {
			t.Errorf("consortia formed %d dissolved %d, models %d", formed, dissolved, last.DistinctModels())
		}
		never, err := partnerships.NeverInPartnership(ctx, d.Q(), 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(never) < 20 {
			t.Errorf("only %d organisations never in a partnership", len(never))
		}
		ps, ms, err := partnerships.Load(ctx, d.Q())
		if err != nil {
			t.Fatal(err)
		}
		pure := partnerships.Compute(ps, ms, periods)
		for i := range periods {
			if raws[i].OrganisationsInPartnership != pure[i].OrganisationsInPartnership || raws[i].FirstTimePartners != pure[i].FirstTimePartners || raws[i].PublicThird != pure[i].PublicThird {
				t.Errorf("%s: sql %+v pure %+v", periods[i].Label, raws[i], pure[i])
			}
		}
	})
}
