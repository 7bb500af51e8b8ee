package directory_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/benchkit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/testkit"
)

// Benchmarks of the directory at scale.
//
//	go test -run '^$' -bench . -benchtime 200x ./internal/directory/
//	PARTNERHUB_BENCH_LARGE=1 go test -run '^$' -bench . -benchtime 300x -timeout 30m ./internal/directory/
//
// Search and the partner finder run at N=300 (and N=200,000 with
// PARTNERHUB_BENCH_LARGE=1) on the demo town, each iteration beside the
// bare SQL it runs: metrics p50-ms/p99-ms are the operation's latency,
// bare-p50-ms/bare-p99-ms the bare query's and x-p50/x-p99 their ratio.
// The bare query is the search's ids-only list or the finder's candidate
// query; "pagesql" (some searches) one statement giving the same page;
// "replay" every statement the call itself ran, recorded for each input
// and run again with its rows drained (replayBaseline): the call's SQL
// without its Go work.
// BenchmarkServerMemory sends directory and finder requests through the
// whole app's handler and reports the live Go heap and the process RSS.
// BenchmarkImport reports rows/s for a fresh import and an unchanged
// re-import (2,000 rows; 200,000 with PARTNERHUB_BENCH_LARGE=1), on
// SQLite and, with PARTNERHUB_TEST_POSTGRES_URL, PostgreSQL.
//
// The demo databases are generated once per run and shared by the
// benchmark functions (a temp dir removed at the end; set
// PARTNERHUB_BENCH_DB_DIR to keep them and reuse them in later runs).

func large() bool { return os.Getenv("PARTNERHUB_BENCH_LARGE") == "1" }

func benchSizes() []int {
	if large() {
		return []int{300, 200000}
	}
	// PARTNERHUB_BENCH_ORGS=N adds a town of N organisations (a size
	// between the demo and the national one, quicker to generate).
	if n, err := strconv.Atoi(os.Getenv("PARTNERHUB_BENCH_ORGS")); err == nil && n > 300 {
		return []int{300, n}
	}
	return []int{300}
}

var (
	townMu   sync.Mutex
	towns    = map[int]*db.DB{}
	townDir  string
	townKeep bool
)

func TestMain(m *testing.M) {
	code := m.Run()
	townMu.Lock()
	for _, d := range towns {
		d.Close()
	}
	if townDir != "" && !townKeep {
		os.RemoveAll(townDir)
	}
	townMu.Unlock()
	os.Exit(code)
}

// benchTown returns the demo town with n organisations on SQLite,
// generated once per run (and reused across runs from
// PARTNERHUB_BENCH_DB_DIR when set).
func benchTown(b *testing.B, n int) *db.DB {
	b.Helper()
	townMu.Lock()
	defer townMu.Unlock()
	if d := towns[n]; d != nil {
		return d
	}
	if townDir == "" {
		if dir := os.Getenv("PARTNERHUB_BENCH_DB_DIR"); dir != "" {
			townDir, townKeep = dir, true
			if err := os.MkdirAll(dir, 0o750); err != nil {
				b.Fatal(err)
			}
		} else {
			dir, err := os.MkdirTemp("", "partnerhub-bench-")
			if err != nil {
				b.Fatal(err)
			}
			townDir = dir
		}
	}
	path := filepath.Join(townDir, fmt.Sprintf("town-%d.db", n))
	d := openTown(b, db.Options{Path: path}, n, path, "remove it")
	towns[n] = d
	return d
}

// openTown opens and migrates a town's database and generates the demo
// town with n organisations in it unless it holds them already (another
// number is an error, ending with what to do: remedy). A town whose generation
// did not finish is an error too: openTown creates the table
// generatingMark before it generates a town and drops it when the town is
// complete, so a town stopped half-way keeps it (its organisations, the
// first step, may all be there).
func openTown(b *testing.B, o db.Options, n int, name, remedy string) *db.DB {
	ctx := context.Background()
	d, err := db.Open(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := d.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if started, ok := generating(b, d); ok {
		b.Fatalf("%s: its generation, started %s, did not finish (it still has the table %s): %s", name, started, generatingMark, remedy)
	}
	var have int
	if err := d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have == n {
		return d
	}
	if have != 0 {
		b.Fatalf("%s holds %d organisations, not %d: %s", name, have, n, remedy)
	}
	t0 := time.Now()
	if _, err := d.W().ExecContext(ctx, `CREATE TABLE `+generatingMark+` (started TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	if _, err := d.W().ExecContext(ctx, `INSERT INTO `+generatingMark+` (started) VALUES ($1)`, t0.UTC().Format(time.RFC3339)); err != nil {
		b.Fatal(err)
	}
	// Each step's time as it ends (a town of 200,000 takes many minutes;
	// b.Logf would show nothing until the benchmark ends).
	progress := func(step string, took time.Duration) {
		fmt.Fprintf(os.Stderr, "%s demo town N=%d on %s: step %s took %s\n", time.Now().UTC().Format("15:04:05"), n, d.Dialect, step, took.Round(time.Millisecond))
	}
	if _, err := testkit.Generate(ctx, d, testkit.Options{Seed: 1, Orgs: n, Progress: progress}); err != nil {
		b.Fatal(err)
	}
	// Generate has analysed the town's tables after its last step
	// (PostgreSQL), as autovacuum would soon.
	if _, err := d.W().ExecContext(ctx, `DROP TABLE `+generatingMark); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated the demo town with N=%d on %s in %s", n, d.Dialect, time.Since(t0).Round(time.Millisecond))
	return d
}

// generatingMark is the table of a town being generated (openTown).
const generatingMark = "bench_town_generating"

// generating reports whether d's town has generatingMark, and when its
// generation started.
func generating(b *testing.B, d *db.DB) (string, bool) {
	ctx := context.Background()
	exists := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	if d.Dialect == db.Postgres {
		exists = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	}
	var k int
	if err := d.Q().QueryRowContext(ctx, exists, generatingMark).Scan(&k); err != nil {
		b.Fatal(err)
	}
	if k == 0 {
		return "", false
	}
	var started string
	if err := d.Q().QueryRowContext(ctx, `SELECT COALESCE(MAX(started), '?') FROM `+generatingMark).Scan(&started); err != nil {
		b.Fatal(err)
	}
	return started, true
}

// namedTown is a demo town on one database: "" for SQLite (the benchmark
// names of earlier runs), "postgres/" for PostgreSQL.
type namedTown struct {
	prefix string
	d      *db.DB
}

// benchTowns is the SQLite town with n organisations and, when
// PARTNERHUB_BENCH_POSTGRES=1 and PARTNERHUB_TEST_POSTGRES_URL are set, the
// same town on PostgreSQL. The PostgreSQL town is kept in the schema
// bench_town_N and reused by later runs (DROP SCHEMA bench_town_N CASCADE
// removes it).
func benchTowns(b *testing.B, n int) []namedTown {
	out := []namedTown{{"", benchTown(b, n)}}
	base := os.Getenv("PARTNERHUB_TEST_POSTGRES_URL")
	if base == "" || os.Getenv("PARTNERHUB_BENCH_POSTGRES") != "1" {
		return out
	}
	return append(out, namedTown{"postgres/", pgTown(b, base, n)})
}

// pgTown is the town with n organisations on the PostgreSQL server at
// base, in the schema bench_town_N (generated there unless it holds them).
func pgTown(b *testing.B, base string, n int) *db.DB {
	townMu.Lock()
	defer townMu.Unlock()
	if d := pgTowns[n]; d != nil {
		return d
	}
	ctx := context.Background()
	schema := fmt.Sprintf("bench_town_%d", n)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+schema); err != nil {
		b.Fatal(err)
	}
	pu, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := pu.Query()
	q.Set("search_path", schema)
	// Its backends are found by this name (serverCPU).
	q.Set("application_name", townApp(n))
	pu.RawQuery = q.Encode()
	d := openTown(b, db.Options{URL: pu.String()}, n, "schema "+schema, "drop it (DROP SCHEMA "+schema+" CASCADE)")
	pgTowns[n] = d
	towns[-n] = d // closed by TestMain
	return d
}

var pgTowns = map[int]*db.DB{}

// townApp is the application name of this process's connections to the
// PostgreSQL town with n organisations.
func townApp(n int) string { return fmt.Sprintf("bench_town_%d_%d", n, os.Getpid()) }

// pgTownApp is the application name of a PostgreSQL town's connections
// ("" for any other database).
func pgTownApp(d *db.DB) string {
	townMu.Lock()
	defer townMu.Unlock()
	for n, t := range pgTowns {
		if t == d {
			return townApp(n)
		}
	}
	return ""
}

// townBackends are the pids of the server backends of d's connections, a
// PostgreSQL town's (none for another database), read through a
// connection of their own.
func townBackends(b *testing.B, d *db.DB) []int {
	app := pgTownApp(d)
	if app == "" {
		return nil
	}
	admin, err := sql.Open("pgx", os.Getenv("PARTNERHUB_TEST_POSTGRES_URL"))
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	pids, err := db.Column[int](context.Background(), admin, `SELECT pid FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid`, app)
	if err != nil {
		b.Fatal(err)
	}
	return pids
}

// serverCPU is, for a PostgreSQL town on this machine, a function giving
// the time its backends have spent on a CPU (the first field of
// /proc/PID/schedstat, in nanoseconds, where /proc/PID/stat counts 10 ms
// ticks); nil for SQLite or when no backend is found. The backends are
// those of d's pooled connections when it is called (it returns their
// pids): sameBackends checks afterwards that the pool kept them.
func serverCPU(b *testing.B, d *db.DB) (func() time.Duration, []int) {
	pids := townBackends(b, d)
	if len(pids) == 0 {
		return nil, nil
	}
	files := make([]string, len(pids))
	for i, pid := range pids {
		files[i] = fmt.Sprintf("/proc/%d/schedstat", pid)
	}
	return func() time.Duration {
		var total time.Duration
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				continue // a backend gone: sameBackends reports it
			}
			ns, _ := strconv.ParseInt(strings.Fields(string(raw))[0], 10, 64)
			total += time.Duration(ns)
		}
		return total
	}, pids
}

// sameBackends reports whether d's backends are still those serverCPU
// found (the pool opened or closed none in between, which would leave
// some CPU uncounted); it logs why not.
func sameBackends(b *testing.B, d *db.DB, then []int) bool {
	now := townBackends(b, d)
	if slices.Equal(now, then) {
		return true
	}
	b.Logf("the town's backends changed during the runs (%v, then %v): no server CPU reported", then, now)
	return false
}

func pct(lat []time.Duration, q float64) float64 {
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[int(q*float64(len(s)-1))].Microseconds()) / 1000
}

// sideBySide runs op and the bare query alternately, b.N times each, and
// reports both latencies and their ratio.
func sideBySide(b *testing.B, op, bare func(i int) error) { sideBySideN(b, nil, op, bare) }

// baseline is a further baseline run in turn with the operation and the
// bare query: its figures are reported as name-p50-ms, name-p99-ms,
// name-cpu-ms/op and the operation's ratios to them, x-name-p99 and
// x-name-cpu.
type baseline struct {
	name string
	run  func(i int) error
	// stmts, when set, is reported as name-stmts/op: the statements
	// the baseline runs per call.
	stmts float64
}

// sideBySideN is sideBySide with further baselines run in turn too (see
// BenchmarkSearch: pagesql, replay). When d is a PostgreSQL town (pgTown)
// it also reports the server's CPU: the time its backends spent on a CPU
// around each run (serverCPU), as server-cpu-ms/op, bare-server-cpu-ms/op
// and name-server-cpu-ms/op, and the ratios of this process's and the
// server's CPU together, x-all-cpu (to the bare query) and x-name-all-cpu.
func sideBySideN(b *testing.B, d *db.DB, op, bare func(i int) error, more ...baseline) {
	lat2 := make([][]time.Duration, len(more))
	cpu2 := make([]time.Duration, len(more))
	// The server's CPU time of each, as cpu, bcpu and cpu2 (PostgreSQL).
	var scpu, sbcpu time.Duration
	scpu2 := make([]time.Duration, len(more))
	lat := make([]time.Duration, 0, b.N)
	blat := make([]time.Duration, 0, b.N)
	// CPU time of each (the process's user+system time around it; the
	// operations run on one goroutine): on a shared machine wall time is
	// mostly waiting for a core.
	var cpu, bcpu time.Duration
	// Warm the caches (page cache, each pooled connection's page cache and
	// plans, taxonomy) with one round of the inputs (they cycle through
	// 10 words, 21 wards...): the figures are a running server's, not its
	// first requests after start.
	for i := 0; i < 25; i++ {
		if err := op(i); err != nil {
			b.Fatal(err)
		}
	}
	// The town's backends, after the warm-up has opened the pool's
	// connections.
	server, backends := serverCPU(b, d)
	// runs are the operation (0), the bare query (1) and the further
	// baselines (2...), each timed by itself (the benchmark's timer only
	// for the operation).
	run := func(k, i int) {
		if k > 0 {
			b.StopTimer()
			defer b.StartTimer()
		}
		var s0 time.Duration
		if server != nil {
			s0 = server()
		}
		c, t := cpuTime(), time.Now()
		sc := &scpu
		switch {
		case k == 0:
			if err := op(i); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t))
			cpu += cpuTime() - c
		case k == 1:
			if err := bare(i); err != nil {
				b.Fatal(err)
			}
			blat = append(blat, time.Since(t))
			bcpu += cpuTime() - c
			sc = &sbcpu
		default:
			m := more[k-2]
			if err := m.run(i); err != nil {
				b.Fatalf("%s: %v", m.name, err)
			}
			lat2[k-2] = append(lat2[k-2], time.Since(t))
			cpu2[k-2] += cpuTime() - c
			sc = &scpu2[k-2]
		}
		if server != nil {
			*sc += server() - s0
		}
	}
	runs := 1
	if bare != nil {
		runs = 2 + len(more)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// The runs of input i take turns at going first: whichever runs
		// later finds the pages the earlier ones read in SQLite's and the
		// system's caches, and the replay repeats the candidate query's
		// statements. Run always after the call and the candidate query,
		// the replay's CPU read 3-10% lower (N=200000).
		for j := range runs {
			run((i+j)%runs, i)
		}
	}
	b.StopTimer()
	if server != nil && !sameBackends(b, d, backends) {
		server = nil
	}
	perOp := func(t time.Duration) float64 { return float64(t.Microseconds()) / 1000 / float64(b.N) }
	// allCPU reports the ratio of the operation's CPU, this process's and
	// the server's, to a baseline's.
	allCPU := func(unit string, c, sc time.Duration) {
		if server != nil && c+sc > 0 {
			b.ReportMetric(float64(cpu+scpu)/float64(c+sc), unit)
		}
	}
	p50, p99 := pct(lat, 0.50), pct(lat, 0.99)
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	if server != nil {
		b.ReportMetric(perOp(scpu), "server-cpu-ms/op")
	}
	if bare != nil {
		b.ReportMetric(float64(bcpu.Microseconds())/1000/float64(b.N), "bare-cpu-ms/op")
		if bcpu > 0 {
			b.ReportMetric(float64(cpu)/float64(bcpu), "x-cpu")
		}
		if server != nil {
			b.ReportMetric(perOp(sbcpu), "bare-server-cpu-ms/op")
		}
		allCPU("x-all-cpu", bcpu, sbcpu)
		bp50, bp99 := pct(blat, 0.50), pct(blat, 0.99)
		b.ReportMetric(bp50, "bare-p50-ms")
		b.ReportMetric(bp99, "bare-p99-ms")
		if bp50 > 0 {
			b.ReportMetric(p50/bp50, "x-p50")
		}
		if bp99 > 0 {
			b.ReportMetric(p99/bp99, "x-p99")
		}
		for k, m := range more {
			if len(lat2[k]) == 0 {
				continue
			}
			mp50, mp99 := pct(lat2[k], 0.50), pct(lat2[k], 0.99)
			b.ReportMetric(mp50, m.name+"-p50-ms")
			if m.stmts > 0 {
				b.ReportMetric(m.stmts, m.name+"-stmts/op")
			}
			b.ReportMetric(mp99, m.name+"-p99-ms")
			if mp99 > 0 {
				b.ReportMetric(p99/mp99, "x-"+m.name+"-p99")
			}
			b.ReportMetric(float64(cpu2[k].Microseconds())/1000/float64(b.N), m.name+"-cpu-ms/op")
			if cpu2[k] > 0 {
				b.ReportMetric(float64(cpu)/float64(cpu2[k]), "x-"+m.name+"-cpu")
			}
			if server != nil {
				b.ReportMetric(perOp(scpu2[k]), m.name+"-server-cpu-ms/op")
			}
			allCPU("x-"+m.name+"-all-cpu", cpu2[k], scpu2[k])
		}
	}
}

// replayBaseline is the "replay" baseline of call: exactly the SQL it
// ran for each input, run again bare. Before the measured loop, call runs
// once per input i < b.N through a recording Querier over d.Q() (the
// Querier the measured calls use), which keeps each statement and its
// arguments; the baseline then runs input i's statements on d.Q() and
// reads their rows to the end without scanning them (dbtest.Replay): the
// SQL and the driver's row reading, none of the call's Go work. It also
// reports the statements per call (replay-stmts/op).
func replayBaseline(b *testing.B, d *db.DB, call func(q db.Querier, i int) error) baseline {
	ctx := context.Background()
	rec := &dbtest.Recorder{Q: d.Q()}
	// Unrecorded first: the search vocabulary (built on a first search)
	// and the finder's term names (cached per Querier for a few seconds)
	// are warm, as a running server's calls find them.
	if err := call(d.Q(), 0); err != nil {
		b.Fatal(err)
	}
	if err := call(rec, 0); err != nil {
		b.Fatal(err)
	}
	rec.Take()
	runs := make([][]dbtest.Statement, b.N)
	total := 0
	for i := range runs {
		if err := call(rec, i); err != nil {
			b.Fatal(err)
		}
		runs[i] = rec.Take()
		total += len(runs[i])
	}
	run := func(i int) error { return dbtest.Replay(ctx, d.Q(), runs[i]) }
	return baseline{name: "replay", run: run, stmts: float64(total) / float64(b.N)}
}

func drain(ctx context.Context, q db.Querier, query string, args []any) error {
	return dbtest.Replay(ctx, q, []dbtest.Statement{{Query: query, Args: args}})
}

var benchWords = []string{"youth", "carers", "food", "recovery", "advice", "older people", "counselling", "blackpool", "dementia", "bikes"}

func terms(b *testing.B, d *db.DB, voc string) []taxonomy.Term {
	ts, err := taxonomy.List(context.Background(), d.Q(), voc, false)
	if err != nil || len(ts) == 0 {
		b.Fatal(voc, err)
	}
	return ts
}

// searchCases are typical directory queries: words alone, and words with a
// filter or two.
func searchCases(b *testing.B, d *db.DB) map[string]func(i int) directory.Filter {
	svc := terms(b, d, taxonomy.Services)
	wards := directory.Wards()
	return map[string]func(i int) directory.Filter{
		"word": func(i int) directory.Filter { return directory.Filter{Q: benchWords[i%len(benchWords)], Limit: 20} },
		"word+ward": func(i int) directory.Filter {
			return directory.Filter{Q: benchWords[i%len(benchWords)], Ward: wards[i%len(wards)], Limit: 20}
		},
		"word+sector+service": func(i int) directory.Filter {
			return directory.Filter{Q: benchWords[i%len(benchWords)], Sector: "vcs", Service: svc[i%len(svc)].ID, Limit: 20}
		},
		"ward+income-band": func(i int) directory.Filter {
			return directory.Filter{Ward: wards[i%len(wards)], IncomeBand: directory.IncomeBands[i%4], Limit: 20}
		},
		// The plain listing (no words, no filters), a few pages deep.
		"listing": func(i int) directory.Filter { return directory.Filter{Limit: 20, Offset: 20 * (i % 5)} },
		// One broad filter (half the directory).
		"sector": func(i int) directory.Filter {
			return directory.Filter{Sector: []string{"vcs", "social_enterprise", "faith"}[i%3], Limit: 20}
		},
		// Newest first: the window is the newest matches.
		"word-by-update": func(i int) directory.Filter {
			return directory.Filter{Q: benchWords[i%len(benchWords)], Sort: "updated", Limit: 20}
		},
		"listing-by-update": func(i int) directory.Filter {
			return directory.Filter{Sort: "updated", Limit: 20, Offset: 20 * (i % 5)}
		},
	}
}

func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	for _, n := range benchSizes() {
		for _, town := range benchTowns(b, n) {
			d := town.d
			cases := searchCases(b, d)
			for _, name := range []string{"word", "word+ward", "word+sector+service", "ward+income-band", "listing", "sector", "word-by-update", "listing-by-update"} {
				mk := cases[name]
				b.Run(fmt.Sprintf("%sN=%d/%s", town.prefix, n, name), func(b *testing.B) {
					// The second baseline, where there is one: a single
					// statement giving the same page (rows, columns,
					// details) and the same count, checked here first.
					var more []baseline
					if _, _, ok := directory.SearchPageSQL(d.Dialect, mk(0)); ok {
						for i := 0; i < 10; i++ {
							if err := samePage(ctx, d, mk(i)); err != nil {
								b.Fatal(err)
							}
						}
						more = append(more, baseline{name: "pagesql", run: func(i int) error {
							s, args, _ := directory.SearchPageSQL(d.Dialect, mk(i))
							return drain(ctx, d.Q(), s, args)
						}})
					}
					// The third: the statements Search itself ran.
					search := func(q db.Querier, i int) error {
						_, err := directory.Search(ctx, q, d.Dialect, mk(i))
						return err
					}
					more = append(more, replayBaseline(b, d, search))
					sideBySideN(b, d, func(i int) error { return search(d.Q(), i) }, func(i int) error {
						s, args, err := directory.SearchListSQL(d.Dialect, mk(i))
						if err != nil {
							return err
						}
						return drain(ctx, d.Q(), s, args)
					}, more...)
				})
			}
		}
	}
}

// samePage checks that SearchPageSQL gives what Search gives: the same
// rows in the same order with the same details, and the same count.
func samePage(ctx context.Context, d *db.DB, f directory.Filter) error {
	res, err := directory.Search(ctx, d.Q(), d.Dialect, f)
	if err != nil {
		return err
	}
	var want []string
	for _, it := range res.Items {
		want = append(want, fmt.Sprintf("%s %s %s/%s/%s", it.Slug, it.Name, strings.Join(it.Wards, "|"), strings.Join(it.Services, "|"), strings.Join(it.Identifiers, "|")))
	}
	s, args, _ := directory.SearchPageSQL(d.Dialect, f)
	rows, err := d.Q().QueryContext(ctx, s, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var got []string
	n := 0
	for rows.Next() {
		var id int64
		var uuid, slug, name, sector, form, desc, pc, band, web string
		var pu, ou any
		var wards, svc, ids sql.NullString
		if err := rows.Scan(&id, &uuid, &slug, &name, &sector, &form, &desc, &pc, &band, &web, &pu, &ou, &n, &wards, &svc, &ids); err != nil {
			return err
		}
		got = append(got, fmt.Sprintf("%s %s %s/%s/%s", slug, name, wards.String, svc.String, ids.String))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(got) > 0 && (min(n, 1000) != res.Total || (n > 1000) != res.TotalCapped) {
		return fmt.Errorf("%+v: the page SQL counts %d, Search %d (capped %v)", f, n, res.Total, res.TotalCapped)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		return fmt.Errorf("%+v: the page SQL gives\n%s\nSearch gives\n%s", f, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	return nil
}

// finderCases: 2 services + 1 client group + 2 wards, with and without
// complement mode, and complement mode alone.
func finderCases(b *testing.B, d *db.DB) map[string]func(i int) directory.FinderQuery {
	ctx := context.Background()
	svc := terms(b, d, taxonomy.Services)
	cg := terms(b, d, taxonomy.ClientGroups)
	wards := directory.Wards()
	// Askers: organisations with a profile and terms.
	var askers []int64
	rows, err := d.Q().QueryContext(ctx, `SELECT organisation_id FROM org_terms GROUP BY organisation_id HAVING COUNT(*) >= 3 ORDER BY organisation_id LIMIT 50`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		askers = append(askers, id)
	}
	rows.Close()
	needs := func(i int) directory.FinderQuery {
		return directory.FinderQuery{Services: []int64{svc[i%len(svc)].ID, svc[(i+3)%len(svc)].ID}, ClientGroups: []int64{cg[i%len(cg)].ID},
			Wards: []string{wards[i%len(wards)], wards[(i+7)%len(wards)]}, Limit: 20}
	}
	return map[string]func(i int) directory.FinderQuery{
		"2svc+1cg+2wards": needs,
		"2svc+1cg+2wards+complement": func(i int) directory.FinderQuery {
			q := needs(i)
			q.Complement = askers[i%len(askers)]
			return q
		},
		"complement-only": func(i int) directory.FinderQuery {
			return directory.FinderQuery{Complement: askers[i%len(askers)], Limit: 20}
		},
	}
}

func BenchmarkFinder(b *testing.B) {
	ctx := context.Background()
	for _, n := range benchSizes() {
		for _, town := range benchTowns(b, n) {
			d := town.d
			cases := finderCases(b, d)
			for _, name := range []string{"2svc+1cg+2wards", "2svc+1cg+2wards+complement", "complement-only"} {
				mk := cases[name]
				b.Run(fmt.Sprintf("%sN=%d/%s", town.prefix, n, name), func(b *testing.B) {
					// CPU time of this process per call (the machine is
					// shared: wall time is mostly queueing), the finder's and
					// the bare query's, and their ratio.
					var cpu, bareCPU time.Duration
					var calls, bareCalls int
					find := func(q db.Querier, i int) error {
						ms, err := directory.FindPartners(ctx, q, d.Dialect, mk(i))
						if err == nil && len(ms) == 0 {
							err = fmt.Errorf("no matches for %+v", mk(i))
						}
						return err
					}
					// The second baseline: the statements the finder itself
					// ran (its candidates and its scoring's reads).
					replay := replayBaseline(b, d, find)
					sideBySideN(b, d, func(i int) error {
						t0 := cpuTime()
						err := find(d.Q(), i)
						cpu += cpuTime() - t0
						calls++
						return err
					}, func(i int) error {
						// Bare: the candidate query alone (FTS5 tiers on SQLite,
						// filter tokens on PostgreSQL): the same candidates the
						// finder then scores.
						t0 := cpuTime()
						_, err := directory.FinderCandidates(ctx, d.Q(), d.Dialect, mk(i))
						bareCPU += cpuTime() - t0
						bareCalls++
						return err
					}, replay)
					reportCPU(b, cpu, calls, bareCPU, bareCalls)
				})
			}
		}
	}
}

// reportCPU reports the CPU milliseconds per call of an operation and of
// its bare query, and their ratio.
func reportCPU(b *testing.B, cpu time.Duration, calls int, bareCPU time.Duration, bareCalls int) {
	if calls == 0 || bareCalls == 0 {
		return
	}
	op := float64(cpu.Microseconds()) / 1000 / float64(calls)
	bare := float64(bareCPU.Microseconds()) / 1000 / float64(bareCalls)
	b.ReportMetric(op, "cpu-ms/op")
	b.ReportMetric(bare, "bare-cpu-ms/op")
	if bare > 0 {
		b.ReportMetric(op/bare, "x-cpu")
	}
}

// procStatus is a field of /proc/self/status in MB: VmRSS (resident
// memory), RssAnon (the heaps) or RssFile (files mapped in: SQLite's
// mmap_size on the read connections; each connection maps the file on
// its own, so a page read through two connections counts twice).
func procStatus(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field+":") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

// BenchmarkServerMemory serves directory searches and finder queries
// through the whole app's handler (middleware, rendering) and reports
// latency, the live Go heap after a GC and the process's resident memory
// (rss-MB, with its file-mapped part rss-file-MB). The "-8clients" case
// sends the same requests from 8 goroutines at once, so that every read
// connection is busy (each has its own page cache and file mapping), and
// reports the same memory figures after it (the process's peak resident
// memory is peak-rss-MB).
func BenchmarkServerMemory(b *testing.B) {
	for _, n := range benchSizes() {
		d := benchTown(b, n)
		env := apptest.New(b, d)
		pp := newPagePaths(b, d)
		path := func(i int) string {
			if i%2 == 0 {
				return pp.search(i, true)
			}
			return pp.finder(i)
		}
		report := func(b *testing.B) {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-inuse-MB")
			b.ReportMetric(float64(ms.Sys)/(1<<20), "go-sys-MB")
			b.ReportMetric(procStatus("VmRSS"), "rss-MB")
			b.ReportMetric(procStatus("RssFile"), "rss-file-MB")
			b.ReportMetric(procStatus("VmHWM"), "peak-rss-MB")
		}
		b.Run(fmt.Sprintf("N=%d/directory+finder-pages", n), func(b *testing.B) {
			anon := env.Anon()
			sideBySide(b, func(i int) error {
				if res := anon.Get(path(i)); res.Code != 200 {
					return fmt.Errorf("%s: %d", path(i), res.Code)
				}
				return nil
			}, nil)
			report(b)
		})
		b.Run(fmt.Sprintf("N=%d/directory+finder-pages-8clients", n), func(b *testing.B) {
			var next atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for range 8 {
				wg.Add(1)
				anon := env.Anon() // a client keeps cookies: one per goroutine
				go func() {
					defer wg.Done()
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						if res := anon.Get(path(i)); res.Code != 200 {
							errs <- fmt.Errorf("%s: %d", path(i), res.Code)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			report(b)
		})
	}
}

// cpuTime is the process's user+system CPU time: on a shared machine
// rows per CPU-second says what the import costs when wall time does not.
func cpuTime() time.Duration { return benchkit.CPUTime() }

// importCSV is a varied CSV in our layout: n organisations across the
// wards, services and themes.
func importCSV(b *testing.B, d *db.DB, n int) []byte {
	svc := terms(b, d, taxonomy.Services)
	th := terms(b, d, taxonomy.Themes)
	wards := directory.Wards()
	words := []string{"Runs clubs and a pantry", "Offers advice on benefits and debt", "Supports carers with breaks", "Befriends isolated older people", "Helps people into work"}
	var sb strings.Builder
	sb.WriteString("identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "GB-CHC-%d,Bench Charity %d,vcs,charity,FY%d %d%c%c,%s;%s,%s;%s,%s,%s (number %d),https://b%d.example.org,%s\n",
			1000000+i, i, 1+i%8, i%10, 'A'+rune(i%26), 'A'+rune((i/26)%26), wards[i%len(wards)], wards[(i*7+3)%len(wards)],
			svc[i%len(svc)].Code, svc[(i+5)%len(svc)].Code, th[i%len(th)].Code, words[i%len(words)], i, i, directory.IncomeBands[i%len(directory.IncomeBands)])
	}
	return []byte(sb.String())
}

func BenchmarkImport(b *testing.B) {
	rows := 2000
	if large() {
		rows = 200000
	}
	if os.Getenv("PARTNERHUB_BENCH_STEPS") == "1" { // the import's steps, at debug level
		prev := slog.Default()
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
		b.Cleanup(func() { slog.SetDefault(prev) })
	}
	// The PostgreSQL connections carry an application name of their own,
	// so that the server backends' CPU time can be read from /proc.
	app := fmt.Sprintf("bench_import_%d", os.Getpid())
	dbs := map[string]func(testing.TB) *db.DB{"sqlite": func(t testing.TB) *db.DB { return dbtest.SQLite(t) }}
	if u := os.Getenv("PARTNERHUB_TEST_POSTGRES_URL"); u != "" {
		pu, err := url.Parse(u)
		if err != nil {
			b.Fatal(err)
		}
		q := pu.Query()
		q.Set("application_name", app)
		pu.RawQuery = q.Encode()
		dbs["postgres"] = func(t testing.TB) *db.DB { return dbtest.Postgres(t, pu.String()) }
	}
	for _, name := range []string{"sqlite", "postgres"} {
		open := dbs[name]
		if open == nil {
			continue
		}
		b.Run(fmt.Sprintf("%s/rows=%d", name, rows), func(b *testing.B) {
			ctx := context.Background()
			var fresh, again, cpu, againCPU, server, againServer []float64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				d := open(b)
				data := importCSV(b, d, rows)
				var s0 map[int]time.Duration
				if name == "postgres" {
					// The same start every run: the directory's tables as
					// the planner knows them after an ANALYZE of them empty
					// (the pool schema's rows were deleted; without this
					// the counts an earlier run's import left in pg_class
					// would stay, and runs would differ by which ran before).
					if _, err := d.W().ExecContext(ctx, `ANALYZE organisations, org_profiles, org_identifiers, org_areas, org_terms, org_search, audit_log, audit_chain`); err != nil {
						b.Fatal(err)
					}
					s0 = backendCPU(b, d, app)
				}
				b.StartTimer()
				t0, c0 := time.Now(), cpuTime()
				rep, err := directory.Import(ctx, d, data, false)
				if err != nil || rep.Created != rows {
					b.Fatalf("%v %v", rep, err)
				}
				fresh = append(fresh, float64(rows)/time.Since(t0).Seconds())
				cpu = append(cpu, float64(rows)/(cpuTime()-c0).Seconds())
				if s0 != nil {
					if spent := serverSpent(b, d, app, s0); spent > 0 {
						server = append(server, float64(rows)/spent.Seconds())
					}
				}
				if s0 != nil {
					s0 = backendCPU(b, d, app)
				}
				t0, c0 = time.Now(), cpuTime()
				rep, err = directory.Import(ctx, d, data, false)
				if err != nil || rep.Unchanged != rows {
					b.Fatalf("re-import: %v %v", rep, err)
				}
				again = append(again, float64(rows)/time.Since(t0).Seconds())
				againCPU = append(againCPU, float64(rows)/(cpuTime()-c0).Seconds())
				if s0 != nil {
					if spent := serverSpent(b, d, app, s0); spent > 0 {
						againServer = append(againServer, float64(rows)/spent.Seconds())
					}
				}
			}
			b.StopTimer()
			median := func(v []float64) float64 {
				sort.Float64s(v)
				return v[len(v)/2]
			}
			b.ReportMetric(median(cpu), "rows/cpu-s")
			if len(server) > 0 {
				b.ReportMetric(median(server), "rows/server-cpu-s")
			}
			if len(againServer) > 0 {
				b.ReportMetric(median(againServer), "reimport-rows/server-cpu-s")
			}
			b.ReportMetric(median(fresh), "rows/s")
			b.ReportMetric(median(again), "reimport-rows/s")
			b.ReportMetric(median(againCPU), "reimport-rows/cpu-s")
		})
	}
}

// serverSpent is the CPU time the benchmark's backends have spent since
// backendCPU gave s0. Zero when none was read (the backends not found by
// their application name, or gone before the second read): the benchmark
// then reports no server figure rather than +Inf.
func serverSpent(b *testing.B, d *db.DB, app string, s0 map[int]time.Duration) time.Duration {
	var spent time.Duration
	for pid, t := range backendCPU(b, d, app) {
		spent += t - s0[pid]
	}
	return spent
}

// backendCPU is the CPU time (user and system, from /proc/PID/stat) of
// each PostgreSQL backend whose application name is app (dbtest adds its
// lease after it: see dbtest.leaseURL): the benchmark's
// own connections (the server runs on this machine).
func backendCPU(b *testing.B, d *db.DB, app string) map[int]time.Duration {
	pids, err := db.Column[int](context.Background(), d.Q(), `SELECT pid FROM pg_stat_activity WHERE application_name = $1 OR starts_with(application_name, $1 || ' ')`, app)
	if err != nil {
		b.Fatal(err)
	}
	out := map[int]time.Duration{}
	for _, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			b.Fatalf("server CPU: %v", err)
		}
		// Fields 14 and 15 (utime, stime) in clock ticks, after the
		// command name's closing parenthesis.
		f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		out[pid] = time.Duration(ut+st) * 10 * time.Millisecond
	}
	return out
}

// BenchmarkPages serves the directory's search page and the partner
// finder's page through the whole app's handler (middleware, search,
// rendering), each iteration a different query (the words, wards and
// terms cycle), and reports the CPU per request (cpu-ms/op: the process's
// user+system time, GC included) beside p50/p99. Issue 20's target 2 is
// under 5 ms of server CPU per request; profile with -cpuprofile:
//
//	PARTNERHUB_BENCH_LARGE=1 PARTNERHUB_BENCH_DB_DIR=DIR go test -run '^$' -bench 'Pages/N=200000' -benchtime 200x -cpuprofile cpu.out ./internal/directory/
//
// The -gzip case asks for a compressed answer, as browsers do (loadbench
// pages only with --gzip).
func BenchmarkPages(b *testing.B) {
	for _, n := range benchSizes() {
		d := benchTown(b, n)
		env := apptest.New(b, d)
		pp := newPagePaths(b, d)
		word := func(i int) string { return pp.search(i, false) }
		cases := []struct {
			name string
			path func(i int) string
			gzip bool
		}{
			{"directory-word", word, false},
			{"directory-word+ward", func(i int) string { return pp.search(i, true) }, false},
			{"finder", pp.finder, false},
			{"directory-word-gzip", word, true},
		}
		for _, c := range cases {
			b.Run(fmt.Sprintf("N=%d/%s", n, c.name), func(b *testing.B) {
				anon := env.Anon()
				var h http.Header
				if c.gzip {
					h = http.Header{"Accept-Encoding": {"gzip"}}
				}
				var bytes int
				sideBySide(b, func(i int) error {
					res := anon.Do("GET", c.path(i), nil, h)
					if res.Code != 200 {
						return fmt.Errorf("%s: %d", c.path(i), res.Code)
					}
					if c.gzip != (res.Header.Get("Content-Encoding") == "gzip") {
						return fmt.Errorf("%s: Content-Encoding %q", c.path(i), res.Header.Get("Content-Encoding"))
					}
					bytes += len(res.Body)
					return nil
				}, nil)
				b.ReportMetric(float64(bytes)/float64(b.N+25), "bytes/resp")
			})
		}
	}
}

// pagePaths are the directory search and partner finder paths that the
// page benchmarks send, a different query for each i.
type pagePaths struct {
	svc, cg []taxonomy.Term
	wards   []string
}

func newPagePaths(b *testing.B, d *db.DB) pagePaths {
	return pagePaths{svc: terms(b, d, taxonomy.Services), cg: terms(b, d, taxonomy.ClientGroups), wards: directory.Wards()}
}

// search is a search for a word, in a ward when ward is set.
func (p pagePaths) search(i int, ward bool) string {
	v := url.Values{"q": {benchWords[i%len(benchWords)]}}
	if ward {
		v.Set("ward", p.wards[i%len(p.wards)])
	}
	return "/directory?" + v.Encode()
}

// finder asks for 2 services and 1 client group in 2 wards.
func (p pagePaths) finder(i int) string {
	id := func(t taxonomy.Term) string { return strconv.FormatInt(t.ID, 10) }
	return "/partners/find?" + url.Values{"find": {"1"}, "service": {id(p.svc[i%len(p.svc)]), id(p.svc[(i+3)%len(p.svc)])},
		"client_group": {id(p.cg[i%len(p.cg)])}, "ward": {p.wards[i%len(p.wards)], p.wards[(i+7)%len(p.wards)]}}.Encode()
}
