package outcomes

import (
	"context"
	"strconv"
	"time"

	"partnerhub/internal/db"
)

// The directory filters by ladder step (issue 17) through a table of each
// organisation's step now, outcome_org_steps (0611; no row for step 0).
// Working the ladder out for a directory search would read every
// organisation's plans and periods (about a second at 200,000
// organisations); the table answers with an index lookup. It is kept by
// every write that can move an organisation (refreshStep) and refreshed
// whole once a day (RefreshSteps), because step 4 lapses 12 months after a
// review or a measured period, and a verification when it runs out.

// refreshStep recomputes one organisation's step now.
func refreshStep(ctx context.Context, tx *db.Tx, org int64) error {
	// A moment after now, so what this transaction just wrote counts.
	steps, err := LadderOf(ctx, tx, db.Now().Add(time.Millisecond), []int64{org})
	if err != nil {
		return err
	}
	return writeSteps(ctx, tx, map[int64]int{org: steps[org]}, db.Now())
}

// RefreshSteps recomputes every organisation's step at now, writing only
// the changes; it returns how many changed.
func RefreshSteps(ctx context.Context, tx *db.Tx, now time.Time) (int, error) {
	steps, err := Ladder(ctx, tx, now)
	if err != nil {
		return 0, err
	}
	stored := map[int64]int{}
	rows, err := tx.QueryContext(ctx, `SELECT organisation_id, step FROM outcome_org_steps`)
	if err != nil {
		return 0, err
	}
	if err := eachID(rows, func(id, step int64) { stored[id] = int(step) }); err != nil {
		return 0, err
	}
	changed := map[int64]int{}
	for id, s := range steps {
		if stored[id] != s {
			changed[id] = s
		}
	}
	for id := range stored {
		if _, ok := steps[id]; !ok { // no longer third sector, or gone
			changed[id] = 0
		}
	}
	return len(changed), writeSteps(ctx, tx, changed, now)
}

func writeSteps(ctx context.Context, tx *db.Tx, steps map[int64]int, now time.Time) error {
	for id, s := range steps {
		var err error
		if s == 0 {
			_, err = tx.ExecContext(ctx, `DELETE FROM outcome_org_steps WHERE organisation_id = $1`, id)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO outcome_org_steps (organisation_id, step, updated_at) VALUES ($1, $2, $3)
				ON CONFLICT (organisation_id) DO UPDATE SET step = excluded.step, updated_at = excluded.updated_at`, id, s, now)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// StepFilterSQL is the directory's condition for organisations (the SQL
// expression id) on a step now: registered in internal/app as the
// directory's StepFilter.
func StepFilterSQL(step int, id string, arg func(any) string) string {
	if step == 0 {
		return `EXISTS (SELECT 1 FROM organisations s0 WHERE s0.id = ` + id + ` AND s0.sector IN ('vcs','social_enterprise','faith'))
			AND NOT EXISTS (SELECT 1 FROM outcome_org_steps s WHERE s.organisation_id = ` + id + `)`
	}
	return id + ` IN (SELECT s.organisation_id FROM outcome_org_steps s WHERE s.step = ` + arg(step) + `)`
}

// StepNames are the steps' names for the directory's filter.
func StepNames() []string {
	var out []string
	for i, l := range StepLabels {
		out = append(out, "Step "+strconv.Itoa(i)+l[1:])
	}
	return out
}
