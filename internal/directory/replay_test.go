package directory_test

import (
	"context"
	"fmt"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
	"partnerhub/internal/taxonomy"
)

// TestRecorderCapturesEveryStatement: the benchmarks' replay baseline
// (BenchmarkSearch, BenchmarkFinder) is the SQL a call ran, as a recording
// Querier saw it. Here the recorder sits on a pool whose connections count
// every statement they run: for searches and finder queries of each kind
// the recorder kept as many statements as reached the connections, the
// finder's scoring reads among them, and replaying them runs that many
// again, each without error.
func TestRecorderCapturesEveryStatement(t *testing.T) {
	eachTown3(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		pool, count := dbtest.CountingPool(t, d)
		svc, err := taxonomy.List(ctx, d.Q(), taxonomy.Services, false)
		if err != nil || len(svc) < 4 {
			t.Fatal(len(svc), err)
		}
		cg, err := taxonomy.List(ctx, d.Q(), taxonomy.ClientGroups, false)
		if err != nil || len(cg) == 0 {
			t.Fatal(len(cg), err)
		}
		var asker int64
		if err := d.Q().QueryRowContext(ctx, `SELECT organisation_id FROM org_terms GROUP BY organisation_id HAVING COUNT(*) >= 3 ORDER BY organisation_id LIMIT 1`).Scan(&asker); err != nil {
			t.Fatal(err)
		}
		wards := directory.Wards()
		needs := directory.FinderQuery{Services: []int64{svc[0].ID, svc[3].ID}, ClientGroups: []int64{cg[0].ID}, Wards: []string{wards[0], wards[7]}, Limit: 20}
		withAsker := needs
		withAsker.Complement = asker
		calls := map[string]func(q db.Querier) error{}
		for _, f := range []directory.Filter{{Q: "youth", Limit: 20}, {Q: "food", Ward: wards[1], Limit: 20}, {Q: "advice", Sort: "updated", Limit: 20},
			{Ward: wards[2], IncomeBand: directory.IncomeBands[1], Limit: 20}, {Limit: 20, Offset: 40}, {Sector: "vcs", Limit: 20}} {
			calls[fmt.Sprintf("search %+v", f)] = func(q db.Querier) error {
				_, err := directory.Search(ctx, q, d.Dialect, f)
				return err
			}
		}
		for name, fq := range map[string]directory.FinderQuery{"needs": needs, "needs+complement": withAsker, "complement": {Complement: asker, Limit: 20}} {
			calls["finder "+name] = func(q db.Querier) error {
				ms, err := directory.FindPartners(ctx, q, d.Dialect, fq)
				if err == nil && len(ms) == 0 {
					err = fmt.Errorf("no matches")
				}
				return err
			}
		}
		for name, call := range calls {
			rec := &dbtest.Recorder{Q: pool} // new: the finder's term names are read too
			before := count.Load()
			if err := call(rec); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			ran := count.Load() - before
			stmts := rec.Take()
			if int64(len(stmts)) != ran || ran == 0 {
				t.Errorf("%s: the recorder kept %d statements, the connections ran %d", name, len(stmts), ran)
			}
			if name[:6] == "finder" && len(stmts) < 4 { // candidates, details, quality marks, term names
				t.Errorf("%s: %d statements recorded, want the candidates' and the scoring's", name, len(stmts))
			}
			before = count.Load()
			if err := dbtest.Replay(ctx, pool, stmts); err != nil {
				t.Fatalf("%s: replay: %v", name, err)
			}
			if replayed := count.Load() - before; replayed != ran {
				t.Errorf("%s: the replay ran %d statements, the call %d", name, replayed, ran)
			}
		}
	})
}
