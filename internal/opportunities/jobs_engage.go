package opportunities

import (
	"context"
	"time"

	"partnerhub/internal/jobs"
)

// Jobs are the feature's background jobs.
func (s *Service) Jobs() []jobs.Job { return s.engageJobs() }

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
