package strategy

import (
	"context"
	"fmt"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/partnerships"
	"partnerhub/internal/testkit"
)

// The demo town's strategy is a step testkit runs without importing this
// package (which imports features whose tests build the demo town). Its
// init runs after bids' (this package imports bids), so the demo's bids
// are in the published reports.
func init() { testkit.Extra = append(testkit.Extra, Demo) }

// demoCommentary is what the demo's administrators wrote in the
// published reports.
var demoCommentary = map[int]map[string]string{
	2011: {
		"partnership": "More organisations worked in partnership in 2011 than the year before, helped by the **national indicator themed workshops** in March.",
		"consortia":   "The first evaluation of consortia, promised for November 2010, is in this chapter. Consortium bids are still few, and most come from the same lead organisations.",
		"milestones":  "The themed workshops and the *Commissioning Ready* workshops were both held on time.",
	},
	2012: {
		"size":          "The directory now lists most of the town's registered charities; small unincorporated groups are still under-counted.",
		"partnership":   "The milestone for November 2012, an increase in organisations working in partnership, was met.",
		"commissioning": "More tenders were marked suitable for voluntary and community organisations, but the share is still below the strategy's target of half.",
		"milestones":    "The Outcomes Framework Guide was not launched in March 2012 as planned.",
	},
}

// Demo loads the Blackpool strategy of 2010 and publishes the State of
// the Sector reports for 2011 and 2012 with their commentary.
func Demo(ctx context.Context, t *testkit.Town) error {
	now := time.Now().UTC()
	known := knownKeys(MeasureSources())
	doc, problems := Parse(seedJSON, func(k string) bool { _, ok := known[k]; return ok })
	if len(problems) > 0 {
		return fmt.Errorf("strategy seed: %v", problems)
	}
	set, err := partnerships.LoadSettings(ctx, t.DB.Q())
	if err != nil {
		return err
	}
	return t.DB.Write(ctx, func(tx *db.Tx) error {
		if err := Replace(ctx, tx, doc, now); err != nil {
			return err
		}
		st, err := Load(ctx, tx)
		if err != nil {
			return err
		}
		for _, year := range []int{2011, 2012} {
			for ch, body := range demoCommentary[year] {
				if err := SaveCommentary(ctx, tx, year, ch, body, 0, now); err != nil {
					return err
				}
			}
			b := &Builder{Q: tx, StartMonth: set.YearStartMonth, Sources: MeasureSources(), Now: time.Date(year+1, 3, 15, 10, 0, 0, 0, time.UTC)}
			rep, err := b.Build(ctx, year, st, demoCommentary[year])
			if err != nil {
				return err
			}
			if err := Publish(ctx, tx, rep, 0, b.Now); err != nil {
				return err
			}
		}
		t.Result.Counts["strategy milestones"] = len(st.Milestones)
		t.Result.Counts["state of the sector reports"] = 2
		return nil
	})
}
