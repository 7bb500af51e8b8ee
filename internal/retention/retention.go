// Package retention deletes personal data that Partnerhub no longer needs,
// each kind after its configured period (internal/config
// RetentionSettings, documented in the README). A daily job applies every
// rule, logs how much each removed and records the counts with the run
// (job_runs.last_result).
//
// A rule is a setting name and a function that removes what is older than
// a cutoff. The built-in rules cover mail, sessions, throttling records,
// unconfirmed accounts, invitations, tokens and uploaded files; a feature
// with personal data of its own adds its setting to config and registers
// its rule:
//
//	a.Retention.Register(retention.Rule{Name: "subject-access-requests",
//		Apply: func(ctx context.Context, e retention.Env, cutoff time.Time) (int64, error) {
//			return retention.Exec(ctx, e.DB, `DELETE FROM ... WHERE closed_at < $1`, cutoff)
//		}})
package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"partnerhub/internal/config"
	"partnerhub/internal/db"
	"partnerhub/internal/jobs"
)

// JobName is the retention job's name (`partnerhub jobs run retention`).
const JobName = "retention"

// Env is what a rule works with.
type Env struct {
	DB        *db.DB
	UploadDir string    // the data directory's uploads folder
	DataDir   string    // the data directory ("" when none is configured)
	Now       time.Time // when this run started
}

// Rule removes one kind of data once it is older than its period.
type Rule struct {
	// Name is the retention setting (config.RetentionSettings) that
	// gives the period.
	Name string
	// Apply removes what is older than cutoff (now minus the period) and
	// returns how many rows or files it removed.
	Apply func(ctx context.Context, e Env, cutoff time.Time) (int64, error)
}

// Count is what one rule removed in a run.
type Count struct {
	Rule    string
	Period  time.Duration
	Removed int64
	Err     error
}

// Service holds the rules and applies them.
type Service struct {
	DB     *db.DB
	Config config.Config
	Logger *slog.Logger
	// Now is the clock (tests move it); time.Now when nil.
	Now   func() time.Time
	rules []Rule
}

// New returns the service with the built-in rules registered.
func New(d *db.DB, cfg config.Config, logger *slog.Logger) *Service {
	s := &Service{DB: d, Config: cfg, Logger: logger}
	for _, r := range builtin() {
		s.Register(r)
	}
	return s
}

// Register adds a rule. It panics when the rule's setting is unknown (a
// rule without a documented, configurable period) or already has a rule.
func (s *Service) Register(r Rule) {
	s.Config.RetentionPeriod(r.Name) // panics on an unknown setting
	for _, have := range s.rules {
		if have.Name == r.Name {
			panic("retention: a second rule for " + r.Name)
		}
	}
	s.rules = append(s.rules, r)
}

// Rules lists the registered rules' names in registration order.
func (s *Service) Rules() []string {
	out := make([]string, len(s.rules))
	for i, r := range s.rules {
		out[i] = r.Name
	}
	return out
}

// Run applies every rule once. A rule that fails does not stop the
// others; the errors are joined.
func (s *Service) Run(ctx context.Context) ([]Count, error) {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	now = now.UTC().Truncate(time.Microsecond)
	env := Env{DB: s.DB, UploadDir: s.Config.UploadDir(), DataDir: s.Config.DataDir, Now: now}
	var out []Count
	var errs []error
	for _, r := range s.rules {
		period := s.Config.RetentionPeriod(r.Name)
		n, err := r.Apply(ctx, env, now.Add(-period))
		out = append(out, Count{Rule: r.Name, Period: period, Removed: n, Err: err})
		if err != nil {
			errs = append(errs, fmt.Errorf("retention %s: %w", r.Name, err))
		}
	}
	return out, errors.Join(errs...)
}

// Summary is the counts as one line: "sessions=3 tokens=0 …".
func Summary(counts []Count) string {
	parts := make([]string, len(counts))
	for i, c := range counts {
		parts[i] = fmt.Sprintf("%s=%d", c.Rule, c.Removed)
		if c.Err != nil {
			parts[i] += "(failed)"
		}
	}
	return strings.Join(parts, " ")
}

// Job is the daily retention job: it applies the rules, logs each count
// and notes them with the run.
func (s *Service) Job() jobs.Job {
	return jobs.Job{Name: JobName, Every: 24 * time.Hour, Run: func(ctx context.Context) error {
		counts, err := s.Run(ctx)
		for _, c := range counts {
			if c.Err != nil {
				s.Logger.Warn("retention rule failed", "rule", c.Rule, "err", c.Err)
				continue
			}
			s.Logger.Info("retention", "rule", c.Rule, "period", config.FormatPeriod(c.Period), "removed", c.Removed)
		}
		jobs.Note(ctx, Summary(counts))
		return err
	}}
}

// Exec runs one statement on the write pool and returns the rows it
// changed.
func Exec(ctx context.Context, d *db.DB, query string, args ...any) (int64, error) {
	res, err := d.W().ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
