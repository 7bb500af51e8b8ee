package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "modernc.org/sqlite"

	"partnerhub/internal/benchkit"
)

// startup times exec -> first 200 from /readyz for one or more partnerhub
// binaries over an existing data directory (for example a 200,000
// organisation town made once with `partnerhub demo --orgs 200000`), next
// to the physical limit: a bare process that opens the same SQLite file,
// reads its schema and answers /readyz. Runs are interleaved (bare, then
// each binary in turn) so a noisy machine hits each alike.
//
//	loadbench startup --data-dir DIR --bin before=/tmp/a --bin after=bin/partnerhub --runs 9 [--serve-flag=--migrate]
func startup(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("loadbench startup", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "", "an existing partnerhub data directory (SQLite)")
	runs := fs.Int("runs", 9, "runs of each, interleaved")
	var bins, serveFlags []string
	fs.Func("serve-flag", "a flag for partnerhub serve, such as --migrate (repeat for more)", func(s string) error {
		serveFlags = append(serveFlags, s)
		return nil
	})
	fs.Func("bin", "NAME=PATH of a partnerhub binary to time (repeat to compare)", func(s string) error {
		bins = append(bins, s)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dataDir == "" || len(bins) == 0 {
		return errors.New("startup needs --data-dir and at least one --bin NAME=PATH")
	}
	type subject struct {
		name, bin string
		args      []string
		times     []time.Duration
		cpu       []time.Duration
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	subjects := []*subject{{name: "bare", bin: self,
		args: []string{"bare-db", "--db", filepath.Join(*dataDir, "partnerhub.db")}}}
	for _, b := range bins {
		name, path, ok := strings.Cut(b, "=")
		if !ok {
			name, path = b, b
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return err
		}
		subjects = append(subjects, &subject{name: name, bin: abs, args: append([]string{"serve", "--data-dir", *dataDir}, serveFlags...)})
	}
	logDir, err := os.MkdirTemp("", "partnerhub-startup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(logDir)
	for i := 0; i < *runs; i++ {
		for j, s := range subjects {
			p, d, err := startTimed(ctx, s.bin, s.args, filepath.Join(logDir, fmt.Sprintf("%d-%d.log", j, i)))
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			s.cpu = append(s.cpu, procCPU(p.cmd.Process.Pid))
			p.stop()
			s.times = append(s.times, d)
		}
	}
	median := func(ts []time.Duration) time.Duration {
		c := append([]time.Duration(nil), ts...)
		sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
		return c[len(c)/2]
	}
	bare := median(subjects[0].times)
	fmt.Fprintf(out, "start-up to ready (exec -> /readyz 200) over %s, serve flags %q, %d interleaved runs each\n", *dataDir, serveFlags, *runs)
	fmt.Fprintln(out, "  (bare: a process that opens the SQLite file, reads its schema and answers /readyz)")
	for _, s := range subjects {
		c := append([]time.Duration(nil), s.times...)
		sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
		fmt.Fprintf(out, "  %-8s median %7s ms  min %7s  max %7s  %5.1fx bare  CPU to ready (user+sys, 10 ms ticks) median %s ms\n",
			s.name, benchkit.Ms(median(s.times)), benchkit.Ms(c[0]), benchkit.Ms(c[len(c)-1]), float64(median(s.times))/float64(bare), benchkit.Ms(median(s.cpu)))
	}
	return nil
}

// procCPU is a running process's user+system CPU time so far, from
// /proc/PID/stat (in clock ticks of 10 ms); 0 where there is no /proc.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: count from its ")".
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	var ut, st int64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// bareDB is the start-up baseline: open the SQLite file, read its schema
// (as any program using it must), then answer /readyz.
func bareDB(args []string) error {
	fs := flag.NewFlagSet("bare-db", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	file := fs.String("db", "", "the SQLite file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := sql.Open("sqlite", "file:"+*file+"?mode=ro")
	if err != nil {
		return err
	}
	defer d.Close()
	var n int
	if err := d.QueryRow(`SELECT count(*) FROM sqlite_master`).Scan(&n); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := d.PingContext(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	return serveUntilSignal(*addr, mux)
}
