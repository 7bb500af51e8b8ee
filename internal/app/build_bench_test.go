package app

import (
	"io"
	"log/slog"
	"testing"

	"partnerhub/internal/config"
	"partnerhub/internal/db/dbtest"
)

// BenchmarkBuild is the part of start-up after the database is open:
// building every feature, listing every page (pages are parsed on first
// use or by ParseAll once serve is ready) and the route table
// (what `serve` does before it listens; start-up reads almost nothing of
// the database, so this is the same at 200,000 organisations).
//
//	go test -run '^$' -bench Build -benchtime 20x ./internal/app/
func BenchmarkBuild(b *testing.B) {
	d := dbtest.SQLite(b)
	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for b.Loop() {
		if _, err := Build(cfg, logger, d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/build")
}

// TestEveryPageParses: pages are parsed on first use (start-up only lists
// them), so this parses every page of every feature: a broken template
// fails here rather than in front of a visitor.
func TestEveryPageParses(t *testing.T) {
	d := dbtest.SQLite(t)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	a, err := Build(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), d)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Web.R.ParseAll(); err != nil {
		t.Fatal(err)
	}
}
