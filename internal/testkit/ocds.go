package testkit

import (
	"context"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/ocds"
	"partnerhub/internal/opportunities"
)

// ocdsDemo writes the OCDS releases of the demo's published opportunities
// as they would have been published over the years (the demo makes the
// opportunities directly in their final state): the notice on its
// publication date, each recorded amendment on its date, and the award,
// closing or cancellation afterwards.
func ocdsDemo(ctx context.Context, t *Town) error {
	ids, err := db.Column[int64](ctx, t.DB.Q(), `SELECT id FROM opportunities WHERE published_at IS NOT NULL ORDER BY published_at, id`)
	if err != nil {
		return err
	}
	n := 0
	err = t.DB.Write(ctx, func(tx *db.Tx) error {
		for _, id := range ids {
			o, err := opportunities.GetByID(ctx, tx, id)
			if err != nil {
				return err
			}
			first := *o
			first.Status = opportunities.StatusOpen
			if o.Kind == opportunities.KindPipeline || o.Status == opportunities.StatusPlanned {
				first.Status = opportunities.StatusPlanned
			}
			if err := ocds.Publish(ctx, tx, opportunities.Change{Action: "publish", After: &first, At: *o.PublishedAt}); err != nil {
				return err
			}
			n++
			amends, err := opportunities.Amendments(ctx, tx, id)
			if err != nil {
				return err
			}
			for _, a := range amends {
				if err := ocds.Publish(ctx, tx, opportunities.Change{Action: "update", After: &first, At: a.At, Summary: a.Summary}); err != nil {
					return err
				}
				n++
			}
			if o.Status == first.Status {
				continue
			}
			at := o.PublishedAt.AddDate(0, 2, 0)
			if o.AwardExpected != nil {
				at = *o.AwardExpected
			} else if c := o.ClosesAt(); c != nil {
				at = *c
			}
			action := map[string]string{opportunities.StatusAwarded: "award", opportunities.StatusClosed: "close", opportunities.StatusCancelled: "cancel"}[o.Status]
			if err := ocds.Publish(ctx, tx, opportunities.Change{Action: action, After: o, At: at.Add(time.Hour)}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	t.Result.Counts["ocds releases"] = n
	return err
}
