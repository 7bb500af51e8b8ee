package outcomes_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/outcomes"
)

// TestYearTotalsKeptByWrites: the town's year roll-ups, read from the
// per-organisation year totals kept by every measurement written (new and
// changed), equal the roll-ups added up from the figures themselves, and
// equal them again after a rebuild.
func TestYearTotalsKeptByWrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		sum := bankIndicator(t, d, "sum")
		mean := bankIndicator(t, d, "mean")
		for i := 1; i <= 6; i++ {
			o := org(t, env, fmt.Sprintf("Charity %d", i), "vcs")
			p := adoptingPlan(t, d, o.ID, sum, true, map[string]float64{"2025-Q1": float64(10 * i), "2025-Q4": float64(i), "2024-Q4": 100})
			adoptingPlan(t, d, o.ID, mean, true, map[string]float64{"2025-Q2": float64(i), "2025-Q3": float64(3 * i)})
			if i == 3 { // a changed figure
				full, err := outcomes.GetPlan(ctx, d.Q(), p.ID)
				if err != nil {
					t.Fatal(err)
				}
				in := full.Indicators[0]
				in.OwnerType, in.OwnerID = p.OwnerType, p.OwnerID
				if err := d.Write(ctx, func(tx *db.Tx) error {
					m, err := outcomes.MeasurementInput(full, &in, url.Values{"period": {"2025-Q1"}, "value": {"77"}, "people": {"9"}})
					if err != nil {
						return err
					}
					_, err = outcomes.SaveMeasurement(ctx, tx, &in, m, 0)
					return err
				}); err != nil {
					t.Fatal(err)
				}
			}
		}
		from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		compare := func(when string) {
			year, err := outcomes.ThemeRollups(ctx, d.Q(), from, from.AddDate(1, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			// A day earlier: not a calendar year, so added up from the
			// figures (no period starts on 31 December).
			scanned, err := outcomes.ThemeRollups(ctx, d.Q(), from.AddDate(0, 0, -1), from.AddDate(1, 0, 0))
			if err != nil {
				t.Fatal(err)
			}
			if len(year) != 2 || len(scanned) != 2 {
				t.Fatalf("%s: %d and %d roll-ups", when, len(year), len(scanned))
			}
			for i := range year {
				y, s := year[i], scanned[i]
				if y.ID != s.ID || y.Orgs != s.Orgs || y.Value != s.Value || y.People != s.People || y.Hidden {
					t.Errorf("%s: year totals %+v, from the figures %+v", when, y, s)
				}
			}
			if year[0].ID == sum.ID && year[0].Value != 10+20+77+40+50+60+21 {
				t.Errorf("%s: sum %v", when, year[0].Value)
			}
		}
		compare("kept by writes")
		if err := d.Write(ctx, func(tx *db.Tx) error { return outcomes.RebuildLadder(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		compare("rebuilt")
	})
}
