package outcomes_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/outcomes"

	"partnerhub/internal/apptest"
)

// TestDirectoryFiltersByStep: the per-organisation steps kept by writes
// equal the ladder worked out from the data, and the directory (page, CSV,
// JSON and the API) filters by them; a step not on the ladder is refused.
func TestDirectoryFiltersByStep(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		bi := bankIndicator(t, d, "sum")
		org(t, env, "Nothing Yet Trust", "vcs")
		one := org(t, env, "Plan Only Group", "vcs")
		two := org(t, env, "Targets Set Church", "faith")
		four := org(t, env, "Measuring Now Enterprise", "social_enterprise")
		council := org(t, env, "Town Council", "public")
		star := org(t, env, "Star Users", "vcs")
		now := db.Now()
		q := func(t time.Time) string { return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1) }
		adoptingPlan(t, d, one.ID, bi, false, nil)
		adoptingPlan(t, d, two.ID, bi, true, nil)
		adoptingPlan(t, d, four.ID, bi, true, map[string]float64{q(now.AddDate(0, -6, 0)): 15, q(now.AddDate(0, -3, 0)): 18})
		adoptingPlan(t, d, council.ID, bi, true, map[string]float64{q(now.AddDate(0, -6, 0)): 1, q(now.AddDate(0, -3, 0)): 2})
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if err := outcomes.Declare(ctx, tx, &outcomes.OtherSystem{OrgID: star.ID, System: "Outcomes Star", Evidence: "Star readings"}, 0); err != nil {
				return err
			}
			return outcomes.Verify(ctx, tx, star.ID, now.AddDate(0, 6, 0), 0)
		}); err != nil {
			t.Fatal(err)
		}
		stored := map[int64]int{}
		rows, err := d.Q().QueryContext(ctx, `SELECT organisation_id, step FROM outcome_org_steps`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var s int
			rows.Scan(&id, &s)
			stored[id] = s
		}
		rows.Close()
		steps, err := outcomes.Ladder(ctx, d.Q(), now.Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for id, s := range steps {
			if stored[id] != s {
				t.Errorf("organisation %d: step %d kept by writes, %d from the data", id, stored[id], s)
			}
		}
		if len(stored) != 4 || stored[four.ID] != 4 || stored[star.ID] != 4 || stored[council.ID] != 0 {
			t.Errorf("stored steps %v", stored)
		}
		c := env.Anon()
		c.Get("/directory?outcomes_step=4").Status(t, 200).Contains(t, "Measuring Now Enterprise", "Star Users", `<option value="4" selected>Step 4`).
			NotContains(t, "Plan Only Group", "Town Council", "Nothing Yet Trust")
		c.Get("/directory?outcomes_step=0").Status(t, 200).Contains(t, "Nothing Yet Trust").NotContains(t, "Plan Only Group", "Town Council", "Star Users")
		c.Get("/directory?outcomes_step=1&q=group").Status(t, 200).Contains(t, "Plan Only Group").NotContains(t, "Targets Set Church")
		c.Get("/directory?outcomes_step=2&format=csv").Status(t, 200).Contains(t, "Targets Set Church").NotContains(t, "Plan Only Group")
		c.Get("/directory?outcomes_step=2&format=json").Status(t, 200).Contains(t, "Targets Set Church").NotContains(t, "Plan Only Group")
		c.Get("/api/v1/organizations?outcomes_step=1").Status(t, 200).Contains(t, "Plan Only Group").NotContains(t, "Targets Set Church")
		c.Get("/directory?outcomes_step=9").Status(t, 422).Contains(t, "Select an outcomes ladder step from the list")
		c.Get("/api/v1/organizations?outcomes_step=x").Status(t, 422).Contains(t, "outcomes_step")
		// The daily refresh: nothing changed, nothing written; a lapsed
		// verification moves Star Users down.
		if err := d.Write(ctx, func(tx *db.Tx) error {
			n, err := outcomes.RefreshSteps(ctx, tx, now.Add(time.Second))
			if err != nil || n != 0 {
				return fmt.Errorf("refresh changed %d, %v", n, err)
			}
			n, err = outcomes.RefreshSteps(ctx, tx, now.AddDate(0, 7, 0))
			if err == nil && n == 0 {
				err = fmt.Errorf("nothing changed seven months on")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		c.Get("/directory?outcomes_step=0").Status(t, 200).Contains(t, "Star Users")
	})
}
