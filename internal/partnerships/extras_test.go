package partnerships_test

import (
	"context"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/assess"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// The strategy's figures include partnerships sparked at events and the
// Consortia Quality Mark's applications and awards, by the measures' year.
func TestMeasuresCountEventsAndQualityMark(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := context.Background()
		day := func(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC) }
		now := db.Now()
		ins := func(slug, origin, status string, start time.Time) {
			if _, err := d.W().ExecContext(ctx, `INSERT INTO partnerships (uuid, slug, name, model, status, origin, start_date, created_at, updated_at)
				VALUES ($1, $2, $2, 'joint_project', $3, $4, $5, $6, $6)`, "00000000-0000-4000-8000-"+slug, slug, status, origin, start, now); err != nil {
				t.Fatal(err)
			}
		}
		ins("000000000001", "event", "active", day(2024, 3, 1))
		ins("000000000002", "event", "active", day(2024, 12, 31))
		ins("000000000003", "event", "proposed", day(2024, 6, 1)) // not counted
		ins("000000000004", "other", "active", day(2024, 6, 1))   // not from an event
		ins("000000000005", "event", "active", day(2023, 12, 31))
		var fw int64
		if err := d.W().QueryRowContext(ctx, `INSERT INTO assess_frameworks (fkey, version, kind, name, status, body, created_at, updated_at)
			VALUES ('test-qm', 1, $1, 'QM', 'published', '{}', $2, $2) RETURNING id`, assess.KindQualityMark, now).Scan(&fw); err != nil {
			t.Fatal(err)
		}
		for i, created := range []time.Time{day(2024, 2, 1), day(2024, 11, 30), day(2023, 5, 5)} {
			var id int64
			if err := d.W().QueryRowContext(ctx, `INSERT INTO assess_assessments (framework_id, kind, subject_type, subject_id, subject_name, status, created_at, updated_at)
				VALUES ($1, $2, 'partnership', 1, 'C', 'decided', $3, $3) RETURNING id`, fw, assess.KindQualityMark, created).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				if _, err := d.W().ExecContext(ctx, `INSERT INTO assess_awards (assessment_id, kind, subject_type, subject_id, result, label, awarded_on)
					VALUES ($1, $2, 'partnership', 1, 'awarded', 'QM', $3)`, id, assess.KindQualityMark, day(2024, 4, 1)); err != nil {
					t.Fatal(err)
				}
			}
		}
		var doc struct {
			Measures map[string]struct {
				Value    *float64 `json:"value"`
				Previous *float64 `json:"previous"`
			} `json:"measures"`
		}
		env.Anon().Get("/api/v1/stats/partnerships?year=2024").Status(t, 200).JSON(t, &doc)
		for key, want := range map[string][2]float64{
			"partnerships_from_events":  {2, 1},
			"quality_mark_applications": {2, 1},
			"quality_mark_awards":       {1, 0},
		} {
			m, ok := doc.Measures[key]
			if !ok || m.Value == nil || m.Previous == nil || *m.Value != want[0] || *m.Previous != want[1] {
				t.Errorf("%s = %+v, want %v", key, m, want)
			}
		}
	})
}
