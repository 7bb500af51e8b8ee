package outcomes

import (
	"context"
	"database/sql"
	"time"

	"partnerhub/internal/db"
)

// The adoption ladder: each third-sector organisation stands on one step,
// computed from the data as it stood at a moment.
var StepLabels = []string{
	"0: no outcomes plan",
	"1: has an outcomes plan",
	"2: has indicators with a baseline and a target",
	"3: has measurements for two or more periods",
	"4: plan reviewed and measured in the last 12 months",
}

// LadderRule is the rule written on the pages.
const LadderRule = `Every third-sector organisation in the directory (voluntary and community organisations, social enterprises and faith groups), counted from what was recorded by the moment counted. ` +
	`Step 1: the organisation has an outcomes plan. Step 2: and at least one indicator with both a baseline and a target. ` +
	`Step 3: and measurements for two or more different periods. Step 4: and a plan created or reviewed in the 12 months before the moment, ` +
	`and a measurement for a period ending in those 12 months. An organisation that declared another outcomes system (such as Outcomes Star) ` +
	`whose evidence an admin verified counts as step 4 while the verification is in date. Each organisation counts once, on its highest step.`

// Ladder gives the step of every third-sector organisation in the
// directory, counting what had been recorded before at.
func Ladder(ctx context.Context, q db.Querier, at time.Time) (map[int64]int, error) {
	yearAgo := at.AddDate(-1, 0, 0)
	steps := map[int64]int{}
	rows, err := q.QueryContext(ctx, `SELECT id, 0 FROM organisations WHERE sector IN ('vcs','social_enterprise','faith')`)
	if err != nil {
		return nil, err
	}
	if err := eachID(rows, func(id int64, _ int64) { steps[id] = 0 }); err != nil {
		return nil, err
	}
	// Steps 1 to 3 from the read model: when each was first reached.
	rows, err = q.QueryContext(ctx, `SELECT organisation_id, CASE WHEN periods2_at < $1 THEN 3 WHEN targets_at < $1 THEN 2 ELSE 1 END
		FROM outcome_org_ladder WHERE plan_at < $1`, at)
	if err != nil {
		return nil, err
	}
	if err := eachID(rows, func(id, step int64) {
		if _, ok := steps[id]; ok {
			steps[id] = int(step)
		}
	}); err != nil {
		return nil, err
	}
	// Step 4: a plan created or reviewed, and a period ending, in the 12
	// months before at.
	reviewed := map[int64]bool{}
	rows, err = q.QueryContext(ctx, `SELECT owner_id, 0 FROM outcome_plans WHERE created_at >= $2 AND created_at < $1 AND owner_type = 'organisation'
		UNION SELECT p.owner_id, 0 FROM outcome_plan_versions v JOIN outcome_plans p ON p.id = v.plan_id
		WHERE v.created_at >= $2 AND v.created_at < $1 AND p.owner_type = 'organisation'`, at, yearAgo)
	if err != nil {
		return nil, err
	}
	if err := eachID(rows, func(id, _ int64) { reviewed[id] = true }); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT DISTINCT organisation_id, 0 FROM outcome_org_periods WHERE period_end > $2 AND period_start < $1 AND recorded_at < $3`, dateOf(at), dateOf(yearAgo), at)
	if err != nil {
		return nil, err
	}
	if err := eachID(rows, func(id, _ int64) {
		if steps[id] == 3 && reviewed[id] {
			steps[id] = 4
		}
	}); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT organisation_id, 0 FROM outcome_other_systems WHERE verified_at < $1 AND valid_until >= $2`, at, dateOf(at))
	if err != nil {
		return nil, err
	}
	if err := eachID(rows, func(id, _ int64) {
		if _, ok := steps[id]; ok {
			steps[id] = 4
		}
	}); err != nil {
		return nil, err
	}
	return steps, nil
}

func eachID(rows *sql.Rows, fn func(id, v int64)) error {
	defer rows.Close()
	for rows.Next() {
		var id, v int64
		if err := rows.Scan(&id, &v); err != nil {
			return err
		}
		fn(id, v)
	}
	return rows.Err()
}

// StepCounts counts organisations on each step.
func StepCounts(steps map[int64]int) [5]int {
	var c [5]int
	for _, s := range steps {
		c[s]++
	}
	return c
}

// MeasureDef names one of the feature's measures.
type MeasureDef struct{ Key, Label, Definition string }

// MeasureDefs are the ladder's measures among the strategy's measures
// (wired as a partnerships.MeasureSource in internal/app): organisations
// on each step at the end of the year, and the share on steps 3 and 4.
func MeasureDefs() []MeasureDef {
	var defs []MeasureDef
	for i, l := range StepLabels {
		defs = append(defs, MeasureDef{Key: "outcomes_step_" + string(rune('0'+i)), Label: "Outcomes ladder step " + l,
			Definition: "Third-sector organisations on step " + l + " at the end of the year. " + LadderRule})
	}
	return append(defs, MeasureDef{Key: "outcomes_share_steps_3_4", Label: "Share of organisations measuring outcomes (steps 3 and 4)",
		Definition: "Third-sector organisations on steps 3 and 4 of the outcomes ladder at the end of the year, as a percentage of all third-sector organisations in the directory."})
}

// CountMeasures counts the ladder's measures at to (the end of the period).
func CountMeasures(ctx context.Context, q db.Querier, from, to time.Time) (map[string]float64, error) {
	steps, err := Ladder(ctx, q, to)
	if err != nil {
		return nil, err
	}
	c := StepCounts(steps)
	out := map[string]float64{}
	total := 0
	for i, n := range c {
		out["outcomes_step_"+string(rune('0'+i))] = float64(n)
		total += n
	}
	if total > 0 {
		out["outcomes_share_steps_3_4"] = round(100*float64(c[3]+c[4])/float64(total), 1)
	}
	return out, nil
}

// MinReporting is how many organisations must report a bank indicator in
// a year before the town's figure is shown.
const MinReporting = 5

// Rollup is one bank indicator's figure over a group of organisations.
type Rollup struct {
	BankIndicator
	ThemeName    string
	OutcomeTitle string
	Orgs         int
	Value        float64
	Periods      int
	People       int64
	Hidden       bool // fewer than MinReporting organisations reported
	ByPeriod     []PeriodValue
}

// PeriodValue is one period's rolled-up figure.
type PeriodValue struct {
	Period string
	Start  time.Time
	Value  float64
	Orgs   int
}

// RollupRule is the rule written on the pages.
const RollupRule = `Only indicators adopted from the outcome bank roll up, because only they are defined the same way everywhere. ` +
	`A "sum" indicator adds every organisation's figures for the periods in the year; a "mean" indicator averages each organisation's figures ` +
	`for the year, then averages those averages, so an organisation that reports more often does not weigh more.`

// ThemeRollups rolls every bank indicator up across organisations for
// measurement periods starting in [from, to); figures from fewer than
// MinReporting organisations are hidden (Hidden, Value 0).
func ThemeRollups(ctx context.Context, q db.Querier, from, to time.Time) ([]Rollup, error) {
	return rollups(ctx, q, from, to, nil, MinReporting)
}

// MemberRollups rolls a group of organisations' adopted indicators up,
// period by period (no minimum: the members see their own figures).
func MemberRollups(ctx context.Context, q db.Querier, from, to time.Time, orgs []int64) ([]Rollup, error) {
	if len(orgs) == 0 {
		return nil, nil
	}
	return rollups(ctx, q, from, to, orgs, 1)
}

func rollups(ctx context.Context, q db.Querier, from, to time.Time, orgs []int64, min int) ([]Rollup, error) {
	args := []any{dateOf(from), dateOf(to)}
	where := `bank_indicator_id IS NOT NULL AND period_start >= $1 AND period_start < $2 AND owner_type = 'organisation'`
	if orgs != nil {
		where += ` AND owner_id IN (` + db.Placeholders(&args, orgs) + `)`
	}
	type total struct {
		orgs       int
		sum, means float64
		people     int64
	}
	totals := map[int64]*total{}
	// Per bank indicator: organisations reporting, the sum of their
	// figures and the sum of each organisation's mean.
	rows, err := q.QueryContext(ctx, `SELECT bank_indicator_id, COUNT(*), SUM(s), SUM(s / n), SUM(ppl) FROM (
		SELECT bank_indicator_id, owner_id, SUM(value) AS s, COUNT(*) AS n, SUM(COALESCE(people, 0)) AS ppl
		FROM outcome_measurements WHERE `+where+` GROUP BY bank_indicator_id, owner_id) x GROUP BY bank_indicator_id`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var bank int64
		t := &total{}
		if err := rows.Scan(&bank, &t.orgs, &t.sum, &t.means, &t.people); err != nil {
			rows.Close()
			return nil, err
		}
		totals[bank] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	periods := map[int64][]PeriodValue{}
	sums := map[int64][][2]float64{}
	rows, err = q.QueryContext(ctx, `SELECT bank_indicator_id, period, period_start, SUM(value), COUNT(*), COUNT(DISTINCT owner_id)
		FROM outcome_measurements WHERE `+where+` GROUP BY bank_indicator_id, period_start, period ORDER BY period_start`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var bank int64
		var pv PeriodValue
		var sum float64
		var n float64
		if err := rows.Scan(&bank, &pv.Period, &pv.Start, &sum, &n, &pv.Orgs); err != nil {
			rows.Close()
			return nil, err
		}
		pv.Start = dateOf(pv.Start)
		periods[bank] = append(periods[bank], pv)
		sums[bank] = append(sums[bank], [2]float64{sum, n})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	bank, err := Bank(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []Rollup
	for _, bo := range bank {
		for _, bi := range bo.Indicators {
			t := totals[bi.ID]
			if t == nil {
				continue
			}
			r := Rollup{BankIndicator: bi, ThemeName: bo.Title, OutcomeTitle: bo.Title, Orgs: t.orgs, People: t.people, Periods: len(periods[bi.ID])}
			r.ThemeName = bo.ThemeName
			if bi.Rollup == "sum" {
				r.Value = t.sum
			} else {
				r.Value = round(t.means/float64(t.orgs), 2)
			}
			for i, pv := range periods[bi.ID] {
				sn := sums[bi.ID][i]
				if bi.Rollup == "sum" {
					pv.Value = sn[0]
				} else {
					pv.Value = round(sn[0]/sn[1], 2)
				}
				r.ByPeriod = append(r.ByPeriod, pv)
			}
			if r.Orgs < min {
				r.Hidden, r.Value, r.ByPeriod, r.People = true, 0, nil, 0
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// LadderEntry is an organisation with its step now and a year before.
type LadderEntry struct {
	OrgID         int64
	Name, Slug    string
	Step, Before  int
	WorkshopDates []time.Time
}

// LadderList lists third-sector organisations with their step at at and a
// year before, and the outcome-based workshops each attended in the year.
func LadderList(ctx context.Context, q db.Querier, at time.Time) ([]LadderEntry, error) {
	now, err := Ladder(ctx, q, at)
	if err != nil {
		return nil, err
	}
	before, err := Ladder(ctx, q, at.AddDate(-1, 0, 0))
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, name, slug FROM organisations WHERE sector IN ('vcs','social_enterprise','faith') ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var out []LadderEntry
	idx := map[int64]int{}
	for rows.Next() {
		var e LadderEntry
		if err := rows.Scan(&e.OrgID, &e.Name, &e.Slug); err != nil {
			rows.Close()
			return nil, err
		}
		e.Step, e.Before = now[e.OrgID], before[e.OrgID]
		idx[e.OrgID] = len(out)
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT DISTINCT b.organisation_id, e.starts_at FROM event_bookings b JOIN events e ON e.id = b.event_id
		WHERE e.type = 'outcome_workshop' AND e.status IN ('published','finished') AND b.status = 'confirmed' AND b.attended = $3
		AND b.organisation_id IS NOT NULL AND e.starts_at >= $1 AND e.starts_at < $2 ORDER BY e.starts_at`, at.AddDate(-1, 0, 0), at, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var org int64
		var t time.Time
		if err := rows.Scan(&org, &t); err != nil {
			return nil, err
		}
		if i, ok := idx[org]; ok {
			out[i].WorkshopDates = append(out[i].WorkshopDates, t)
		}
	}
	return out, rows.Err()
}

// WorkshopEffect compares how many organisations moved up the ladder in
// the year among those that attended an outcome-based workshop and those
// that did not.
type WorkshopEffect struct {
	Attended, AttendedUp   int
	Others, OthersUp       int
	AttendedPct, OthersPct float64
}

// Effect works the workshop effect out of a ladder list.
func Effect(list []LadderEntry) WorkshopEffect {
	var e WorkshopEffect
	for _, l := range list {
		up := l.Step > l.Before
		if len(l.WorkshopDates) > 0 {
			e.Attended++
			if up {
				e.AttendedUp++
			}
		} else {
			e.Others++
			if up {
				e.OthersUp++
			}
		}
	}
	e.AttendedPct, e.OthersPct = Pct(e.AttendedUp, e.Attended), Pct(e.OthersUp, e.Others)
	return e
}

// Pct is a percentage for pages.
func Pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return round(100*float64(n)/float64(of), 1)
}
