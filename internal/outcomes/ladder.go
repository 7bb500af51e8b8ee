package outcomes

import (
	"context"
	"database/sql"
	"maps"
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
	return ladderOf(ctx, q, at, nil)
}

// LadderOf gives the steps of the third-sector organisations among orgs at
// at (the others are left out).
func LadderOf(ctx context.Context, q db.Querier, at time.Time, orgs []int64) (map[int64]int, error) {
	steps := map[int64]int{}
	err := db.Chunks(orgs, 500, func(chunk []int64) error {
		m, err := ladderOf(ctx, q, at, chunk)
		maps.Copy(steps, m)
		return err
	})
	return steps, err
}

// ladderOf is Ladder over every organisation (orgs nil) or over orgs.
func ladderOf(ctx context.Context, q db.Querier, at time.Time, orgs []int64) (map[int64]int, error) {
	query, args := LadderSQL(at, orgs)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	steps := map[int64]int{}
	err = eachID(rows, func(id, step int64) { steps[id] = int(step) })
	return steps, err
}

// LadderSQL is the query of the step (id, step) of every third-sector
// organisation (orgs nil) or of those among orgs, at at: one pass over the
// organisations joined to the read model (0601: when each first had a
// plan, targets and a second measured period). Step 4 is looked for only
// among the organisations whose plan was created or reviewed in the 12
// months (a short range by date), each by organisation for a period ending
// in them (a scalar subquery with LIMIT, not EXISTS, which PostgreSQL turns
// into a join over every period of the year); then the verified
// declarations of another system.
func LadderSQL(at time.Time, orgs []int64) (string, []any) {
	// $5: no period is longer than a year, so one ending in the 12 months
	// starts after two years before at; the newest periods are read first.
	args := []any{at, at.AddDate(-1, 0, 0), db.Day(at), db.Day(at.AddDate(-1, 0, 0)), db.Day(at.AddDate(-2, 0, 0))}
	in := func(col string) string {
		if orgs == nil {
			return ""
		}
		return ` AND ` + col + ` IN (` + db.Placeholders(&args, orgs) + `)`
	}
	reviewed := `SELECT owner_id AS id FROM outcome_plans WHERE created_at >= $2 AND created_at < $1 AND owner_type = 'organisation'` + in("owner_id") + `
		UNION SELECT p.owner_id FROM outcome_plan_versions v JOIN outcome_plans p ON p.id = v.plan_id
		WHERE v.created_at >= $2 AND v.created_at < $1 AND p.owner_type = 'organisation'` + in("p.owner_id")
	verified := `SELECT DISTINCT organisation_id AS id FROM outcome_other_systems WHERE verified_at < $1 AND valid_until >= $3` + in("organisation_id")
	return `WITH cur AS (
			SELECT r.id FROM (` + reviewed + `) r
			WHERE (SELECT op.organisation_id FROM outcome_org_periods op WHERE op.organisation_id = r.id AND op.period_end > $4 AND op.period_start < $3 AND op.recorded_at < $1
				AND op.period_start > $5 ORDER BY op.period_start DESC LIMIT 1) IS NOT NULL),
		ver AS (` + verified + `)
		SELECT o.id, CASE WHEN ver.id IS NOT NULL THEN 4
			WHEN l.plan_at IS NULL OR l.plan_at >= $1 THEN 0
			WHEN l.periods2_at < $1 THEN CASE WHEN cur.id IS NOT NULL THEN 4 ELSE 3 END
			WHEN l.targets_at < $1 THEN 2 ELSE 1 END AS step
		FROM organisations o LEFT JOIN outcome_org_ladder l ON l.organisation_id = o.id
		LEFT JOIN cur ON cur.id = o.id LEFT JOIN ver ON ver.id = o.id
		WHERE o.sector IN ('vcs','social_enterprise','faith')` + in("o.id"), args
}

// LadderCountsSQL counts the organisations on each step at at (rows step,
// count; steps nobody is on are left out): LadderSQL grouped by step in the
// database, so the strategy's measures move five rows, not one per
// organisation.
func LadderCountsSQL(at time.Time) (string, []any) {
	q, args := LadderSQL(at, nil)
	return `SELECT step, COUNT(*) FROM (` + q + `) s GROUP BY step`, args
}

// LadderCounts counts the third-sector organisations on each step at at.
func LadderCounts(ctx context.Context, q db.Querier, at time.Time) ([5]int, error) {
	var c [5]int
	query, args := LadderCountsSQL(at)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return c, err
	}
	err = eachID(rows, func(step, n int64) { c[step] = int(n) })
	return c, err
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
	c, err := LadderCounts(ctx, q, to)
	if err != nil {
		return nil, err
	}
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
// MinReporting organisations are hidden (Hidden, Value 0). For a calendar
// year (what the pages ask for) it reads the per-organisation year totals
// and leaves ByPeriod and Periods empty.
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

// rollupTotal is a bank indicator's figures over the organisations
// reporting it.
type rollupTotal struct {
	orgs       int
	sum, means float64 // means: the sum of each organisation's mean
	people     int64
}

// rollupData is what a roll-up is assembled from: per bank indicator its
// totals, and its periods with each period's (sum, count).
type rollupData struct {
	totals  map[int64]*rollupTotal
	periods map[int64][]PeriodValue
	sums    map[int64][][2]float64
}

func rollups(ctx context.Context, q db.Querier, from, to time.Time, orgs []int64, min int) ([]Rollup, error) {
	var d *rollupData
	var err error
	if y, ok := calendarYear(from, to); ok && orgs == nil {
		d, err = yearRollupData(ctx, q, y)
	} else {
		d, err = scanRollupData(ctx, q, from, to, orgs)
	}
	if err != nil {
		return nil, err
	}
	return assembleRollups(ctx, q, d, min)
}

// scanRollupData reads the figures of periods starting in [from, to) (of
// orgs only, when not nil) in one pass over the roll-up index
// (0601: period_start, bank_indicator_id, owner_type, owner_id, ...),
// adding up per bank indicator and organisation and per bank indicator and
// period (an organisation's rows of a period come together).
func scanRollupData(ctx context.Context, q db.Querier, from, to time.Time, orgs []int64) (*rollupData, error) {
	args := []any{db.Day(from), db.Day(to)}
	where := `bank_indicator_id IS NOT NULL AND period_start >= $1 AND period_start < $2 AND owner_type = 'organisation'`
	if orgs != nil {
		where += ` AND owner_id IN (` + db.Placeholders(&args, orgs) + `)`
	}
	type orgTotal struct {
		sum float64
		n   int
	}
	totals := map[int64]*rollupTotal{}
	byOrg := map[[2]int64]*orgTotal{} // bank indicator, organisation
	periods := map[int64][]PeriodValue{}
	sums := map[int64][][2]float64{}
	rows, err := q.QueryContext(ctx, `SELECT bank_indicator_id, owner_id, period_start, period, value, COALESCE(people, 0)
		FROM outcome_measurements WHERE `+where+` ORDER BY period_start, bank_indicator_id, owner_type, owner_id`, args...)
	if err != nil {
		return nil, err
	}
	var lastBank, lastOrg int64
	var lastStart time.Time
	for rows.Next() {
		var bank, org, people int64
		var start time.Time
		var period string
		var value float64
		if err := rows.Scan(&bank, &org, &start, &period, &value, &people); err != nil {
			rows.Close()
			return nil, err
		}
		t := totals[bank]
		if t == nil {
			t = &rollupTotal{}
			totals[bank] = t
		}
		t.people += people
		k := [2]int64{bank, org}
		ot := byOrg[k]
		if ot == nil {
			ot = &orgTotal{}
			byOrg[k] = ot
			t.orgs++
		}
		ot.sum += value
		ot.n++
		ps := periods[bank]
		if n := len(ps); n == 0 || !ps[n-1].Start.Equal(start) {
			periods[bank] = append(ps, PeriodValue{Period: period, Start: db.Day(start)})
			sums[bank] = append(sums[bank], [2]float64{})
			lastOrg = 0
		}
		i := len(periods[bank]) - 1
		sums[bank][i][0] += value
		sums[bank][i][1]++
		if bank != lastBank || org != lastOrg || !start.Equal(lastStart) {
			periods[bank][i].Orgs++
		}
		lastBank, lastOrg, lastStart = bank, org, start
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for k, ot := range byOrg {
		t := totals[k[0]]
		t.sum += ot.sum
		t.means += ot.sum / float64(ot.n)
	}
	return &rollupData{totals: totals, periods: periods, sums: sums}, nil
}

// YearRollupSQL is the town's totals of a calendar year ($1) per bank
// indicator: organisations, sum, sum of each organisation's mean, people.
const YearRollupSQL = `SELECT bank_indicator_id, COUNT(*), SUM(total), SUM(total / n), SUM(people)
	FROM outcome_bank_org_years WHERE year = $1 GROUP BY bank_indicator_id`

// yearRollupData reads a calendar year's town-wide totals from
// outcome_bank_org_years (one row per organisation and bank indicator,
// read in key order), without the period-by-period figures, which no
// town-wide page shows. Grouping every figure of the year by organisation
// and by period in SQL took 8.8 s at 200,000 organisations and 2.8 million
// figures on SQLite (BenchmarkLadderAndRollups).
func yearRollupData(ctx context.Context, q db.Querier, year int) (*rollupData, error) {
	d := &rollupData{totals: map[int64]*rollupTotal{}, periods: map[int64][]PeriodValue{}, sums: map[int64][][2]float64{}}
	rows, err := q.QueryContext(ctx, YearRollupSQL, year)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var bank int64
		t := &rollupTotal{}
		if err := rows.Scan(&bank, &t.orgs, &t.sum, &t.means, &t.people); err != nil {
			rows.Close()
			return nil, err
		}
		d.totals[bank] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return d, nil
}

// assembleRollups puts the bank's names to the figures, hiding those from
// fewer than min organisations.
func assembleRollups(ctx context.Context, q db.Querier, d *rollupData, min int) ([]Rollup, error) {
	totals, periods, sums := d.totals, d.periods, d.sums
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
				r.Value = round(t.sum, 6) // the same whatever order the figures were added in
			} else {
				r.Value = round(t.means/float64(t.orgs), 2)
			}
			for i, pv := range periods[bi.ID] {
				sn := sums[bi.ID][i]
				if bi.Rollup == "sum" {
					pv.Value = round(sn[0], 6)
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
