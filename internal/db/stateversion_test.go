package db_test

import (
	"context"
	"testing"

	"partnerhub/internal/benchkit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// The state version moves on every commit: a write transaction, a
// statement through W, and a commit by a second store on the same
// database (another process), which this store's local count cannot see.
func TestStateVersionMovesOnEveryCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		other, err := d.OpenAgain(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		version := func() db.StateVersion {
			t.Helper()
			v, err := d.StateVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		v := version()
		if d.Dialect == db.SQLite {
			// Nothing committed: the same version (on PostgreSQL the
			// snapshot is the whole server's, which other tests move).
			if again := version(); again != v {
				t.Errorf("moved without a commit: %v -> %v", v, again)
			}
		}
		steps := []struct {
			name  string
			write func() error
		}{
			{"write transaction", func() error {
				return d.Write(ctx, func(tx *db.Tx) error {
					_, err := tx.ExecContext(ctx, `UPDATE data_versions SET version = version WHERE name = 'none'`)
					if err != nil {
						return err
					}
					_, err = tx.ExecContext(ctx, `INSERT INTO data_versions (name, version) VALUES ('sv-test-tx', 1)`)
					return err
				})
			}},
			{"statement through W", func() error {
				_, err := d.W().ExecContext(ctx, `INSERT INTO data_versions (name, version) VALUES ('sv-test-w', 1)`)
				return err
			}},
			{"another process", func() error {
				_, err := other.W().ExecContext(ctx, `INSERT INTO data_versions (name, version) VALUES ('sv-test-other', 1)`)
				return err
			}},
			{"another process's transaction", func() error {
				return other.Write(ctx, func(tx *db.Tx) error {
					_, err := tx.ExecContext(ctx, `UPDATE data_versions SET version = version + 1 WHERE name = 'sv-test-other'`)
					return err
				})
			}},
		}
		for _, st := range steps {
			if err := st.write(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			now := version()
			if now == v {
				t.Errorf("%s: the state version did not move (%v)", st.name, now)
			}
			if st.name == "another process" && now.Local != v.Local {
				t.Errorf("%s: this store's local count moved (%d -> %d)", st.name, v.Local, now.Local)
			}
			v = now
		}
	})
}

// A request's memo reads the version once: what it returns stays the same
// after a commit, while a read without the memo moves.
func TestStateVersionMemo(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := d.WithVersionMemo(context.Background())
	v, err := d.StateVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.W().ExecContext(ctx, `INSERT INTO data_versions (name, version) VALUES ('sv-memo', 1)`); err != nil {
		t.Fatal(err)
	}
	if again, _ := d.StateVersion(ctx); again != v {
		t.Errorf("the memo moved: %v -> %v", v, again)
	}
	if fresh, _ := d.StateVersion(context.Background()); fresh == v {
		t.Errorf("without the memo the version did not move: %v", fresh)
	}
}

func BenchmarkStateVersion(b *testing.B) {
	d := dbtest.SQLite(b)
	ctx := context.Background()
	cpu := benchkit.CPUTime()
	for b.Loop() {
		if _, err := d.StateVersion(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((benchkit.CPUTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func BenchmarkSelectOne(b *testing.B) {
	d := dbtest.SQLite(b)
	ctx := context.Background()
	q := db.NewReadStatements(d)
	cpu := benchkit.CPUTime()
	defer func() { b.ReportMetric(float64((benchkit.CPUTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op") }()
	for b.Loop() {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT version FROM data_versions WHERE name = 'network'`).Scan(&n); err != nil {
			b.Fatal(err)
		}
	}
}
