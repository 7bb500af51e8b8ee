package partnerships_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/partnerships"
)

// A feature's measure source is counted for the year and the year before,
// over the same half-open period, and appears after the partnership
// figures with its change.
func TestMeasureSourceFiguresFollowThePartnershipFigures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		partnerships.SeedHandBuilt(t, d)
		var seen []string
		src := partnerships.MeasureSource{
			Definitions: []partnerships.MeasureDef{
				{Key: "test_things", Label: "Things", Definition: "Things counted."},
				{Key: "test_missing", Label: "Missing", Definition: "Never counted."},
			},
			Count: func(ctx context.Context, q db.Querier, from, to time.Time) (map[string]float64, error) {
				seen = append(seen, from.Format(time.DateOnly)+".."+to.Format(time.DateOnly))
				return map[string]float64{"test_things": float64(from.Year() - 2000)}, nil
			},
		}
		rep, err := partnerships.Measure(context.Background(), d.Q(), 2024, time.April, src)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(seen, " "); got != "2024-04-01..2025-04-01 2023-04-01..2024-04-01" {
			t.Fatalf("periods counted = %s", got)
		}
		figs := rep.Figures()
		if len(figs) != len(partnerships.Definitions)+2 {
			t.Fatalf("%d figures, want %d", len(figs), len(partnerships.Definitions)+2)
		}
		th, miss := figs[len(figs)-2], figs[len(figs)-1]
		if th.Key != "test_things" || th.ValueText() != "24" || th.PreviousText() != "23" || th.ChangeText() != "+1" {
			t.Fatalf("things = %s %s %s %s", th.Key, th.ValueText(), th.PreviousText(), th.ChangeText())
		}
		if miss.Value != nil || miss.ChangeText() != "not available" {
			t.Fatalf("missing = %+v", miss)
		}
		if _, ok := rep.JSON()["measures"].(map[string]any)["test_things"]; !ok {
			t.Fatal("the API document lacks the source's figure")
		}
		defs := partnerships.AllDefinitions([]partnerships.MeasureSource{src})
		if defs[len(defs)-2].Key != "test_things" {
			t.Fatalf("definitions end %+v", defs[len(defs)-2:])
		}
	})
}
