package testkit

import (
	"context"
	"fmt"
	"math"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/db"
	"partnerhub/internal/outcomes"
	"partnerhub/internal/partnerships/models"
)

// demoBank is the outcome bank of the demo: four themes, each with a
// shared outcome and its indicators.
var demoBank = []struct {
	theme, title, definition string
	indicators               []outcomes.BankIndicator
}{
	{"mental-health", "People report improved wellbeing", "People who take part say they feel better in themselves, measured with the Warwick-Edinburgh Mental Wellbeing Scale.",
		[]outcomes.BankIndicator{
			{Name: "Average WEMWBS score", Definition: "The mean Warwick-Edinburgh Mental Wellbeing Scale score (14 to 70) of people finishing a course or 12 weeks of support in the quarter.", Kind: "scale", ScaleMin: 14, ScaleMax: 70, ScaleLabels: "14 = lowest wellbeing, 70 = highest", Frequency: "quarterly", Rollup: "mean"},
			{Name: "People finishing a wellbeing programme", Definition: "People who completed a course or 12 weeks of one-to-one support in the quarter.", Kind: "numeric", Unit: "people", Frequency: "quarterly", Rollup: "sum"},
		}},
	{"employment-skills", "People move closer to work", "People out of work gain skills, qualifications and jobs.",
		[]outcomes.BankIndicator{
			{Name: "People entering work, training or volunteering", Definition: "People supported who started a job, an accredited course or a regular volunteering role in the quarter.", Kind: "numeric", Unit: "people", Frequency: "quarterly", Rollup: "sum"},
		}},
	{"children-young-people", "Young people are more confident", "Young people who take part feel more confident and able to make choices.",
		[]outcomes.BankIndicator{
			{Name: "Young people reporting more confidence", Definition: "The percentage of young people finishing a programme in the quarter who report more confidence than at the start (same five questions everywhere).", Kind: "numeric", Unit: "%", Frequency: "quarterly", Rollup: "mean"},
		}},
	{"older-people", "Older people are less isolated", "Older people have regular social contact and someone to turn to.",
		[]outcomes.BankIndicator{
			{Name: "Older people in weekly social activity", Definition: "People aged 65 and over who took part in a social activity at least weekly during the quarter.", Kind: "numeric", Unit: "people", Frequency: "quarterly", Rollup: "sum"},
		}},
}

// demoTargets are each shared indicator's baseline and target in the demo.
var demoTargets = map[string][2]float64{
	"Average WEMWBS score":                           {41, 50},
	"People finishing a wellbeing programme":         {15, 35},
	"People entering work, training or volunteering": {12, 30},
	"Young people reporting more confidence":         {55, 80},
	"Older people in weekly social activity":         {30, 60},
}

// outcomesDemo adds outcomes planning and monitoring: the bank, plans for
// about a third of the third-sector organisations spread over every step
// of the adoption ladder (measurements back to 2010), a few declarations
// of another system, and the members of two consortia measuring shared
// indicators so the consortia's roll-ups have figures.
func outcomesDemo(ctx context.Context, t *Town) error {
	now := db.Now()
	var bank []outcomes.BankIndicator
	baselines := map[int64][2]float64{}
	err := t.DB.Write(ctx, func(tx *db.Tx) error {
		for _, b := range demoBank {
			var theme int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM taxonomy_terms WHERE vocabulary = 'theme' AND code = $1`, b.theme).Scan(&theme); err != nil {
				return fmt.Errorf("theme %s: %w", b.theme, err)
			}
			bo := &outcomes.BankOutcome{ThemeID: theme, Title: b.title, Definition: b.definition}
			if err := outcomes.AddBankOutcome(ctx, tx, bo); err != nil {
				return err
			}
			for _, bi := range b.indicators {
				bi.BankOutcomeID = bo.ID
				if err := outcomes.AddBankIndicator(ctx, tx, &bi); err != nil {
					return err
				}
				bank = append(bank, bi)
				baselines[bi.ID] = demoTargets[bi.Name]
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.Result.Counts["outcome bank indicators"] = len(bank)

	// Consortium members measure first, so both consortia roll up.
	rows, err := t.DB.Q().QueryContext(ctx, `SELECT p.id, m.organisation_id FROM partnerships p JOIN partnership_members m ON m.partnership_id = p.id
		JOIN organisations o ON o.id = m.organisation_id
		WHERE p.model IN `+models.ConsortiumSQL()+` AND p.status = 'active'
		AND m.left_on IS NULL AND o.sector IN ('vcs','social_enterprise','faith') ORDER BY p.id, m.organisation_id`)
	if err != nil {
		return err
	}
	members := map[int64][]int64{}
	var consortia []int64
	for rows.Next() {
		var p, o int64
		if err := rows.Scan(&p, &o); err != nil {
			rows.Close()
			return err
		}
		if len(members[p]) == 0 {
			consortia = append(consortia, p)
		}
		members[p] = append(members[p], o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	step := map[int64]int{}
	var chosen []accounts.Organisation
	byID := map[int64]accounts.Organisation{}
	for _, o := range t.Orgs {
		byID[o.ID] = o
	}
	rolled := 0
	for _, p := range consortia {
		if rolled == 2 || len(members[p]) < 2 {
			continue
		}
		rolled++
		for _, o := range members[p] {
			if _, ok := step[o]; !ok {
				step[o] = 4
				chosen = append(chosen, byID[o])
			}
		}
	}
	var third []accounts.Organisation
	for _, o := range t.Orgs {
		if accounts.IsThirdSector(o.Sector) {
			third = append(third, o)
		}
	}
	want := len(third) / 3
	for i, o := range third {
		if len(chosen) >= want {
			break
		}
		if _, ok := step[o.ID]; ok {
			continue
		}
		if o.Name == "Blackpool Advocacy" {
			step[o.ID] = 4
		} else {
			step[o.ID] = 1 + i%4
		}
		chosen = append(chosen, o)
	}
	measured := 0
	err = t.DB.Write(ctx, func(tx *db.Tx) error {
		next := 256 // plans written when the tables are next analysed
		for i, o := range chosen {
			if i == next {
				// This transaction's tables grow from nothing: keep the
				// planner's counts of them in step (see analyzeGrown).
				if err := analyzeGrown(ctx, tx.Dialect, tx); err != nil {
					return err
				}
				next *= 2
			}
			n, err := demoPlan(ctx, tx, t, o, step[o.ID], bank, baselines, i, now)
			if err != nil {
				return fmt.Errorf("outcomes plan of %s: %w", o.Name, err)
			}
			measured += n
		}
		// Declarations of another system: two verified, one waiting.
		k := 0
		for _, o := range third {
			if _, ok := step[o.ID]; ok || k == 3 {
				continue
			}
			sys := &outcomes.OtherSystem{OrgID: o.ID, System: "Outcomes Star", Evidence: "Our annual outcomes report to trustees with the Star readings of everyone we supported, and read-only access to our Star Online dashboard."}
			if err := outcomes.Declare(ctx, tx, sys, 0); err != nil {
				return err
			}
			if k < 2 {
				if err := outcomes.Verify(ctx, tx, o.ID, now.AddDate(0, 10, 0), 0); err != nil {
					return err
				}
			}
			k++
		}
		// Measurements went in as SQL: bring the ladder's read model up to date.
		if err := outcomes.RebuildLadder(ctx, tx); err != nil {
			return err
		}
		// Each consortium that rolls up has a plan of its own too.
		done := 0
		for _, p := range consortia {
			if done == 2 || len(members[p]) < 2 {
				continue
			}
			done++
			pl := &outcomes.Plan{OwnerType: outcomes.OwnerPartnership, OwnerID: p, Title: "Consortium outcomes 2025 to 2028",
				Aim:   "Members deliver the commissioner's outcomes together, measured the same way",
				Start: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2028, 3, 31, 0, 0, 0, 0, time.UTC), Review: time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)}
			if err := outcomes.CreatePlan(ctx, tx, pl, 0); err != nil {
				return err
			}
			if _, err := outcomes.Adopt(ctx, tx, pl, bank[0].ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.Result.Counts["outcomes plans"] = len(chosen)
	t.Result.Counts["outcome measurements"] = measured
	return nil
}

// demoPlan gives o a plan that puts it on the given step; it returns how
// many measurements it recorded.
func demoPlan(ctx context.Context, tx *db.Tx, t *Town, o accounts.Organisation, step int, bank []outcomes.BankIndicator, baselines map[int64][2]float64, i int, now time.Time) (int, error) {
	startYear := 2010 + t.Rand.IntN(12)
	if step == 4 && i%3 == 0 {
		startYear = 2010
	}
	start := time.Date(startYear, 4, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(now.Year()+2, 3, 31, 0, 0, 0, 0, time.UTC)
	created := start.AddDate(0, -1, 0)
	p := &outcomes.Plan{OwnerType: outcomes.OwnerOrg, OwnerID: o.ID, Title: fmt.Sprintf("%s outcomes plan", o.Name),
		Aim:     "People we support live better, more connected lives in Blackpool",
		Problem: "Too many people in the town are isolated, out of work or struggling with their mental health.", Assumptions: "People keep coming; partners refer early.",
		Start: start, End: end, Review: time.Date(now.Year(), 3, 31, 0, 0, 0, 0, time.UTC)}
	if step == 4 {
		p.Review = time.Date(now.Year()+1, 3, 31, 0, 0, 0, 0, time.UTC)
	}
	if err := outcomes.CreatePlan(ctx, tx, p, 0); err != nil {
		return 0, err
	}
	full := *p
	steps := []outcomes.Step{{Kind: "activity", Text: "Weekly drop-in sessions"}, {Kind: "activity", Text: "One-to-one support"}, {Kind: "output", Text: "48 sessions a year"}}
	for k := range steps {
		if err := outcomes.AddStep(ctx, tx, &full, &steps[k]); err != nil {
			return 0, err
		}
	}
	// Two shared indicators (the second from another theme).
	picks := []outcomes.BankIndicator{bank[i%len(bank)], bank[(i+2)%len(bank)]}
	var inds []*outcomes.Indicator
	for _, bi := range picks {
		in, err := outcomes.Adopt(ctx, tx, &full, bi.ID)
		if err != nil {
			return 0, err
		}
		full.Indicators = append(full.Indicators, *in)
		inds = append(inds, in)
	}
	if step >= 2 {
		for _, in := range inds {
			bt := baselines[in.BankIndicatorID]
			b, tg := bt[0], bt[1]
			bd, td := start, end
			in.Baseline, in.Target, in.BaselineDate, in.TargetDate = &b, &tg, &bd, &td
			if err := outcomes.SaveIndicator(ctx, tx, &full, in); err != nil {
				return 0, err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outcome_plans SET created_at = $1, updated_at = $1 WHERE id = $2`, created, p.ID); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outcome_indicators SET created_at = $1 WHERE plan_id = $2`, created, p.ID); err != nil {
		return 0, err
	}
	if step < 3 {
		return 0, nil
	}
	last := time.Date(now.Year(), time.Month(3*((int(now.Month())-1)/3)+1), 1, 0, 0, 0, 0, time.UTC) // the current quarter's start
	if step == 3 {
		last = last.AddDate(-2, 0, 0) // stopped measuring two years ago
	}
	n := 0
	var rows [][]any
	for _, in := range inds {
		bt := baselines[in.BankIndicatorID]
		span := end.Sub(start).Hours()
		for q := start; q.Before(last); q = q.AddDate(0, 3, 0) {
			qe := q.AddDate(0, 3, 0)
			k := qe.Sub(start).Hours() / span
			v := bt[0] + (bt[1]-bt[0])*k*(0.7+0.6*t.Rand.Float64()) + (t.Rand.Float64()-0.5)*0.1*bt[1]
			if in.Kind == "scale" {
				v = math.Max(float64(in.ScaleMin), math.Min(float64(in.ScaleMax), math.Round(v)))
			} else {
				v = math.Max(0, math.Round(v))
			}
			if in.Unit == "%" {
				v = math.Min(100, v)
			}
			people := int64(20 + t.Rand.IntN(60))
			if in.Unit == "people" {
				people = int64(v)
			}
			label := fmt.Sprintf("%d-Q%d", q.Year(), (int(q.Month())-1)/3+1)
			rec := qe.AddDate(0, 0, 14)
			rows = append(rows, []any{in.ID, "organisation", o.ID, label, q, qe, v, "", people, "Session registers and end-of-programme questionnaires", "", rec, rec})
			n++
		}
	}
	// A few hundred rows a statement, in the same order.
	if err := insertRows(ctx, tx, `outcome_measurements (indicator_id, owner_type, owner_id, period, period_start, period_end, value, parts, people, source, note, created_at, updated_at)`, rows); err != nil {
		return 0, err
	}
	if step == 4 {
		// Reviewed in the last year: the earlier version is kept.
		cur, err := outcomes.GetPlan(ctx, tx, p.ID)
		if err != nil {
			return 0, err
		}
		next := *cur
		next.Review = time.Date(now.Year()+1, 3, 31, 0, 0, 0, 0, time.UTC)
		if err := outcomes.Revise(ctx, tx, cur, &next, "Annual review with trustees: targets kept, one new activity", 0); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outcome_plans SET reviewed_at = $1 WHERE id = $2`, now.AddDate(0, -2, 0), p.ID); err != nil {
			return 0, err
		}
	}
	return n, nil
}
