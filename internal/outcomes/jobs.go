package outcomes

import (
	"context"
	"fmt"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/jobs"
	"partnerhub/internal/notify"
)

// Jobs are the feature's background jobs.
func (s *Service) Jobs() []jobs.Job {
	return []jobs.Job{{Name: "outcomes-review-reminders", Every: 6 * time.Hour, Run: func(ctx context.Context) error {
		_, err := RemindReviews(ctx, s.DB, s.Now(), s.baseURL())
		return err
	}}, {Name: "outcomes-steps", Every: 24 * time.Hour, Run: func(ctx context.Context) error {
		// Step 4 lapses with time: the directory's per-organisation steps.
		return s.DB.WriteBulk(ctx, func(tx *db.Tx) error {
			_, err := RefreshSteps(ctx, tx, s.Now())
			return err
		})
	}}}
}

func (s *Service) baseURL() string {
	if s.Web == nil {
		return ""
	}
	return s.Web.Config.BaseURL
}

// RemindReviews tells the owners and editors of each plan whose review
// date has come (an organisation's, or a partnership's lead organisations)
// once per plan version: reviewing makes a new version, whose own review
// date is reminded in its turn. It returns how many plans were reminded.
func RemindReviews(ctx context.Context, d *db.DB, now time.Time, baseURL string) (int, error) {
	rows, err := d.Q().QueryContext(ctx, `SELECT id, 0 FROM outcome_plans WHERE review_date <= $1 AND end_date >= $1 AND review_reminded_at IS NULL ORDER BY id LIMIT 500`, db.Day(now))
	if err != nil {
		return 0, err
	}
	var ids []int64
	if err := eachID(rows, func(id, _ int64) { ids = append(ids, id) }); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := d.Write(ctx, func(tx *db.Tx) error {
			p, err := PlanHead(ctx, tx, id)
			if err != nil {
				return err
			}
			orgs, why := []int64{p.OwnerID}, "You get these emails as an owner or editor of "+p.OwnerName+"."
			if p.OwnerType == OwnerPartnership {
				why = "You get these emails as an owner or editor of the lead organisation of " + p.OwnerName + "."
				ps, err := PartnershipBy(ctx, tx, "", p.OwnerID)
				if err != nil {
					return err
				}
				orgs = ps.Leads
			}
			for _, org := range orgs {
				if _, err := notify.TellOrgEditors(ctx, tx, baseURL, org, notify.Notice{Kind: "outcomes_review",
					Key:     fmt.Sprintf("plan-%d-version-%d", p.ID, p.Version),
					Subject: "Time to review your outcomes plan: " + p.Title,
					Text: fmt.Sprintf("Hello,\n\nThe review date of %s's outcomes plan \"%s\" was %s.\n\nReview it with your trustees or partners and record what changed: the current version stays readable.\n%s/outcomes/plans/%d/revise\n",
						p.OwnerName, p.Title, p.Review.Format("2 January 2006"), baseURL, p.ID),
					Why: why}); err != nil {
					return err
				}
			}
			_, err = tx.ExecContext(ctx, `UPDATE outcome_plans SET review_reminded_at = $1 WHERE id = $2`, now, p.ID)
			return err
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
