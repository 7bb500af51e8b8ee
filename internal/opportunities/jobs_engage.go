package opportunities

import (
	"context"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/jobs"
)

// Jobs are the feature's background jobs.
func (s *Service) Jobs() []jobs.Job {
	return append(s.engageJobs(), jobs.Job{Name: "opportunity_close", Every: 15 * time.Minute, Run: func(ctx context.Context) error {
		_, err := CloseDue(ctx, s.DB, s.Store, s.Now())
		return err
	}})
}

// CloseDue closes the open tenders and grant programmes Partnerhub
// publishes whose closing date (submission deadline, or expression of
// interest deadline) has passed, as their buyer would: each gets the
// amendment "Closed: the closing date passed" and, through the store's
// hooks, an OCDS tenderUpdate release. Consultations keep their own dates
// and imported notices their publisher's status. It returns how many it
// closed.
func CloseDue(ctx context.Context, d *db.DB, st *Store, now time.Time) (int, error) {
	ids, err := db.Column[int64](ctx, d.Q(), `SELECT id FROM opportunities WHERE status = 'open' AND closes_at <= $1
		AND kind IN ('tender', 'grant') AND source_url = '' ORDER BY closes_at, id`, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := d.Write(ctx, func(tx *db.Tx) error { return st.Close(ctx, tx, id, 0, "the closing date passed") })
		switch {
		case apperr.Is(err, apperr.ECONFLICT) || apperr.Is(err, apperr.ENOTFOUND):
			continue // changed meanwhile
		case err != nil:
			return n, err
		}
		n++
	}
	return n, nil
}

// engageJobs are the alert jobs: saved-search digests every 15 minutes
// (immediate alerts go out then; daily and weekly ones when due) and the
// organisations' weekly "opportunities that fit us".
func (s *Service) engageJobs() []jobs.Job {
	return []jobs.Job{
		{Name: "opportunity_alerts", Every: 15 * time.Minute, Run: func(ctx context.Context) error {
			_, err := RunAlertDigest(ctx, s.DB, s.baseURL(), s.Now())
			return err
		}},
		{Name: "opportunity_org_alerts", Every: time.Hour, Run: func(ctx context.Context) error {
			_, err := RunOrgAlerts(ctx, s.DB, s.baseURL(), s.Now())
			return err
		}},
	}
}
