// Package jobs runs background work in-process on a schedule. Each job is
// claimed through the job_runs table, so with several processes on
// PostgreSQL only one runs a job at a time. Every job can also be run once
// from the CLI (`partnerhub jobs run NAME`).
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"partnerhub/internal/db"
)

// noteKey carries a run's summary slot in its context.
type noteKey struct{}

// Note records a one-line summary of the current run (what it did, such as
// counts), kept in job_runs.last_result when the run ends. Outside a job
// run it does nothing.
func Note(ctx context.Context, summary string) {
	if p, ok := ctx.Value(noteKey{}).(*string); ok {
		*p = summary
	}
}

// run runs j with a summary slot and returns the summary.
func run(ctx context.Context, j Job) (string, error) {
	var note string
	err := j.Run(context.WithValue(ctx, noteKey{}, &note))
	return note, err
}

// Job is one piece of scheduled work.
type Job struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
}

// Scheduler runs registered jobs.
type Scheduler struct {
	DB     *db.DB
	Logger *slog.Logger
	jobs   map[string]Job
}

// New returns an empty scheduler.
func New(d *db.DB, logger *slog.Logger) *Scheduler {
	return &Scheduler{DB: d, Logger: logger, jobs: map[string]Job{}}
}

// Register adds a job.
func (s *Scheduler) Register(j Job) { s.jobs[j.Name] = j }

// Names lists registered jobs.
func (s *Scheduler) Names() []string {
	var out []string
	for n := range s.jobs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// claim takes the job's lease for ttl; false when another process holds
// it. The lease's expiry identifies it, so release clears only our own.
func (s *Scheduler) claim(ctx context.Context, name string, ttl time.Duration) (time.Time, bool, error) {
	now := db.Now()
	lease := now.Add(ttl)
	var ok bool
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO job_runs (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, name); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE job_runs SET locked_until = $1, last_started_at = $2 WHERE name = $3 AND (locked_until IS NULL OR locked_until < $2)`, lease, now, name)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok = n == 1
		return nil
	})
	return lease, ok, err
}

// release ends our lease; a lease that expired and was since taken by
// another process is left alone.
func (s *Scheduler) release(ctx context.Context, name string, lease time.Time, note string, runErr error) {
	msg := ""
	if runErr != nil {
		msg = runErr.Error()
	}
	if _, err := s.DB.W().ExecContext(ctx, `UPDATE job_runs SET locked_until = NULL, last_finished_at = $1, last_error = $2, last_result = $3 WHERE name = $4 AND locked_until = $5`, db.Now(), msg, note, name, lease); err != nil {
		s.Logger.Warn("job release failed", "job", name, "err", err)
	}
}

// RunOnce runs the named job now (claiming it like the scheduler does).
func (s *Scheduler) RunOnce(ctx context.Context, name string) error {
	j, ok := s.jobs[name]
	if !ok {
		return fmt.Errorf("no job named %q (jobs: %v)", name, s.Names())
	}
	lease, got, err := s.claim(ctx, name, 10*time.Minute)
	if err != nil {
		return err
	}
	if !got {
		return fmt.Errorf("job %s is running in another process", name)
	}
	note, err := run(ctx, j)
	s.release(context.WithoutCancel(ctx), name, lease, note, err)
	return err
}

// LastResult is the summary the named job's latest finished run noted
// (Note), or "" when it has none.
func (s *Scheduler) LastResult(ctx context.Context, name string) (string, error) {
	var out string
	err := s.DB.Q().QueryRowContext(ctx, `SELECT last_result FROM job_runs WHERE name = $1`, name).Scan(&out)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return out, err
}

// Start runs every job on its interval until ctx ends.
func (s *Scheduler) Start(ctx context.Context) {
	for _, j := range s.jobs {
		go func(j Job) {
			t := time.NewTicker(j.Every)
			defer t.Stop()
			for {
				if lease, got, err := s.claim(ctx, j.Name, j.Every*4+time.Minute); err == nil && got {
					note, err := run(ctx, j)
					if err != nil && ctx.Err() == nil {
						s.Logger.Warn("job failed", "job", j.Name, "err", err)
					}
					s.release(context.WithoutCancel(ctx), j.Name, lease, note, err)
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}(j)
	}
}
