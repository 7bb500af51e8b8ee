package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/jobs"
)

func TestRunOnceClaimsTheJob(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		var runs atomic.Int32
		release := make(chan struct{})
		started := make(chan struct{}, 1)
		mk := func() *jobs.Scheduler {
			s := jobs.New(d, logger)
			s.Register(jobs.Job{Name: "slow", Every: time.Hour, Run: func(ctx context.Context) error {
				runs.Add(1)
				started <- struct{}{}
				<-release
				return nil
			}})
			return s
		}
		a, b := mk(), mk()
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); a.RunOnce(context.Background(), "slow") }()
		<-started
		if err := b.RunOnce(context.Background(), "slow"); err == nil {
			t.Error("a second process ran a job that was already running")
		}
		close(release)
		wg.Wait()
		if runs.Load() != 1 {
			t.Fatalf("runs = %d", runs.Load())
		}
		if err := a.RunOnce(context.Background(), "nope"); err == nil {
			t.Error("unknown job accepted")
		}
	})
}

func TestReleaseLeavesAnotherProcessLease(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		s := jobs.New(d, logger)
		s.Register(jobs.Job{Name: "long", Every: time.Hour, Run: func(ctx context.Context) error {
			// While this run is still going, its lease expires and another
			// process claims the job.
			_, err := d.W().ExecContext(ctx, `UPDATE job_runs SET locked_until = $1 WHERE name = 'long'`, db.Now().Add(30*time.Minute))
			return err
		}})
		if err := s.RunOnce(ctx, "long"); err != nil {
			t.Fatal(err)
		}
		var locked *time.Time
		if err := d.Q().QueryRowContext(ctx, `SELECT locked_until FROM job_runs WHERE name = 'long'`).Scan(&locked); err != nil {
			t.Fatal(err)
		}
		if locked == nil {
			t.Fatal("finishing a run cleared a lease another process had taken")
		}
	})
}

func TestARunsNoteIsRecorded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := jobs.New(d, slog.New(slog.NewTextHandler(io.Discard, nil)))
		s.Register(jobs.Job{Name: "counting", Every: time.Hour, Run: func(ctx context.Context) error {
			jobs.Note(ctx, "sessions=3 tokens=1")
			return nil
		}})
		if err := s.RunOnce(ctx, "counting"); err != nil {
			t.Fatal(err)
		}
		got, err := s.LastResult(ctx, "counting")
		if err != nil || got != "sessions=3 tokens=1" {
			t.Fatalf("last result %q, %v", got, err)
		}
		jobs.Note(ctx, "outside a run") // does nothing, does not panic
	})
}
