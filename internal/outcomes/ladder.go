package outcomes

import (
	"context"
	"database/sql"
	"sort"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/partnerships"
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
	reviewed := map[int64]bool{}
	rows, err = q.QueryContext(ctx, `SELECT owner_id, MAX(CASE WHEN created_at >= $2 OR reviewed_at >= $2 THEN 1 ELSE 0 END) FROM outcome_plans
		WHERE owner_type = 'organisation' AND created_at < $1 GROUP BY owner_id`, at, yearAgo)
	if err != nil {
		return nil, err
	}
	if err := eachID(rows, func(id, r int64) {
		if _, ok := steps[id]; ok {
			steps[id] = 1
			reviewed[id] = r == 1
		}
	}); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT DISTINCT owner_id, 0 FROM outcome_indicators WHERE owner_type = 'organisation' AND created_at < $1
		AND baseline_value IS NOT NULL AND target_value IS NOT NULL`, at)
	if err != nil {
		return nil, err
	}
	if err := eachID(rows, func(id, _ int64) {
		if steps[id] == 1 {
			steps[id] = 2
		}
	}); err != nil {
		return nil, err
	}
	// One row per organisation and period; recent: a period ending in the
	// last 12 months.
	rows, err = q.QueryContext(ctx, `SELECT owner_id, COUNT(DISTINCT period_start) * 2 + MAX(CASE WHEN period_end > $2 AND period_start < $1 THEN 1 ELSE 0 END)
		FROM outcome_measurements WHERE owner_type = 'organisation' AND created_at < $1 GROUP BY owner_id`, at, yearAgo)
	if err != nil {
		return nil, err
	}
	if err := eachID(rows, func(id, v int64) {
		if steps[id] == 2 && v/2 >= 2 {
			steps[id] = 3
			if v%2 == 1 && reviewed[id] {
				steps[id] = 4
			}
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

// MeasureSource is the ladder among the strategy's measures: organisations
// on each step at the end of the year, and the share on steps 3 and 4.
func MeasureSource() partnerships.MeasureSource {
	defs := []partnerships.MeasureDef{}
	for i, l := range StepLabels {
		defs = append(defs, partnerships.MeasureDef{Key: "outcomes_step_" + string(rune('0'+i)), Label: "Outcomes ladder step " + l,
			Definition: "Third-sector organisations on step " + l + " at the end of the year. " + LadderRule})
	}
	defs = append(defs, partnerships.MeasureDef{Key: "outcomes_share_steps_3_4", Label: "Share of organisations measuring outcomes (steps 3 and 4)",
		Definition: "Third-sector organisations on steps 3 and 4 of the outcomes ladder at the end of the year, as a percentage of all third-sector organisations in the directory."})
	return partnerships.MeasureSource{Definitions: defs, Count: func(ctx context.Context, q db.Querier, from, to time.Time) (map[string]float64, error) {
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
	}}
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
	where := ""
	if orgs != nil {
		where = ` AND m.owner_id IN (` + db.Placeholders(&args, orgs) + `)`
	}
	// Per bank indicator, organisation and period: sum of the values (one
	// organisation may have adopted an indicator in two plans).
	rows, err := q.QueryContext(ctx, `SELECT i.bank_indicator_id, m.owner_id, m.period, m.period_start, SUM(m.value), COUNT(*), SUM(COALESCE(m.people, 0))
		FROM outcome_measurements m JOIN outcome_indicators i ON i.id = m.indicator_id
		WHERE i.bank_indicator_id IS NOT NULL AND m.owner_type = 'organisation' AND m.period_start >= $1 AND m.period_start < $2`+where+`
		GROUP BY i.bank_indicator_id, m.owner_id, m.period, m.period_start`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type acc struct {
		sum, n float64
	}
	type key struct{ bank, org int64 }
	perOrg := map[key]*acc{}
	type pkey struct {
		bank  int64
		start time.Time
	}
	perPeriod := map[pkey]*PeriodValue{}
	perPeriodAcc := map[pkey]*acc{}
	people := map[int64]int64{}
	periods := map[int64]map[time.Time]bool{}
	for rows.Next() {
		var bank, org, n, ppl int64
		var period string
		var start time.Time
		var v float64
		if err := rows.Scan(&bank, &org, &period, &start, &v, &n, &ppl); err != nil {
			return nil, err
		}
		start = dateOf(start)
		a := perOrg[key{bank, org}]
		if a == nil {
			a = &acc{}
			perOrg[key{bank, org}] = a
		}
		a.sum += v
		a.n += float64(n)
		people[bank] += ppl
		if periods[bank] == nil {
			periods[bank] = map[time.Time]bool{}
		}
		periods[bank][start] = true
		pk := pkey{bank, start}
		if perPeriod[pk] == nil {
			perPeriod[pk] = &PeriodValue{Period: period, Start: start}
			perPeriodAcc[pk] = &acc{}
		}
		perPeriod[pk].Orgs++
		perPeriodAcc[pk].sum += v
		perPeriodAcc[pk].n += float64(n)
	}
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
			r := Rollup{BankIndicator: bi, ThemeName: bo.ThemeName, OutcomeTitle: bo.Title, People: people[bi.ID], Periods: len(periods[bi.ID])}
			var sum, means float64
			for k, a := range perOrg {
				if k.bank != bi.ID {
					continue
				}
				r.Orgs++
				sum += a.sum
				means += a.sum / a.n
			}
			if r.Orgs == 0 {
				continue
			}
			if bi.Rollup == "sum" {
				r.Value = sum
			} else {
				r.Value = round(means/float64(r.Orgs), 2)
			}
			for k, pv := range perPeriod {
				if k.bank != bi.ID {
					continue
				}
				p := *pv
				a := perPeriodAcc[k]
				if bi.Rollup == "sum" {
					p.Value = a.sum
				} else {
					p.Value = round(a.sum/a.n, 2)
				}
				r.ByPeriod = append(r.ByPeriod, p)
			}
			sort.Slice(r.ByPeriod, func(i, j int) bool { return r.ByPeriod[i].Start.Before(r.ByPeriod[j].Start) })
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
