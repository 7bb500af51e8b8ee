package assess_test

import (
	"context"
	"testing"

	"partnerhub/internal/assess"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/testkit"
)

func TestDemoTown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		res, err := testkit.Generate(ctx, d, testkit.Options{Seed: 7, Orgs: 120})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"readiness ready", "readiness nearly_ready", "readiness not_yet"} {
			if res.Counts[k] == 0 {
				t.Fatalf("no %s in the demo: %v", k, res.Counts)
			}
		}
		day := assess.Today(db.Now())
		reg, _ := assess.Register(ctx, d.Q(), assess.KindQualityMark, day)
		var all, expired, conditions int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM assess_awards WHERE kind = 'quality_mark'`).Scan(&all)
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM assess_awards WHERE kind = 'quality_mark' AND valid_until < $1`, day).Scan(&expired)
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM assess_awards WHERE result = 'awarded_with_conditions'`).Scan(&conditions)
		if all != 3 || expired != 1 || conditions != 1 || len(reg) != 2 {
			t.Fatalf("quality marks: %d awards, %d expired, %d with conditions, register %d", all, expired, conditions, len(reg))
		}
		var badges int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM org_badges WHERE kind = 'commissioning_ready' AND revoked_at IS NULL`).Scan(&badges)
		if badges != res.Counts["readiness ready"] {
			t.Fatalf("%d badges for %d ready", badges, res.Counts["readiness ready"])
		}
		rows, err := d.Q().QueryContext(ctx, `SELECT r.partnership_id, COUNT(DISTINCT r.id), MIN((SELECT COUNT(*) FROM assess_hc_responded x WHERE x.round_id = r.id)) FROM assess_hc_rounds r GROUP BY r.partnership_id`)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var pid int64
			var rounds, minResp int
			rows.Scan(&pid, &rounds, &minResp)
			if rounds != 2 || minResp < 5 {
				t.Fatalf("partnership %d: %d rounds, %d respondents", pid, rounds, minResp)
			}
			n++
		}
		rows.Close()
		if n == 0 {
			t.Fatal("no health checks in the demo")
		}
	})
}
