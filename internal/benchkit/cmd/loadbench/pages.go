package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"partnerhub/internal/benchkit"
)

// pages loads chosen paths of one or more partnerhub binaries, each
// serving its own copy of an existing data directory (for example the
// 200,000-organisation town made once with `partnerhub demo --orgs 200000`),
// and prints req/s, p50/p99 latency and the server's CPU per request
// (utime+stime of the server process from /proc/PID/stat, before and after
// each run, divided by its requests). Next to them, a bare net/http handler
// in its own process serves each page's bytes as fetched once (the cost of
// HTTP alone). Rounds are interleaved (bare, then each binary, path by
// path) so a noisy machine hits each alike; the median round by req/s is
// reported.
//
//	loadbench pages --data-dir /tmp/town200k --bin before=/tmp/a --bin after=/tmp/b \
//	    --workers 8 --requests 400 --path '/directory?q=care' --path '/directory?q=youth&ward=...' [--signed-in]
//
// A --path may list several paths separated by spaces (one page's
// queries, such as '/directory?q=care /directory?q=food'): its requests go
// to each in turn, so that a run measures several searches, not one
// answer repeated.
func pages(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("loadbench pages", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "", "an existing partnerhub data directory (SQLite); each binary serves its own copy")
	requests := fs.Int("requests", 400, "measured requests per path per round")
	warmup := fs.Int("warmup", 50, "unmeasured requests per path first")
	workers := fs.Int("workers", 8, "concurrent clients (and connections)")
	rounds := fs.Int("rounds", 3, "interleaved rounds; the median round by req/s is reported")
	signedIn := fs.Bool("signed-in", false, "also load every path signed in")
	email := fs.String("email", "owner@demo.partnerhub.test", "demo login for --signed-in")
	pass := fs.String("password", "tangerine-tower-promenade", "its password")
	noBare := fs.Bool("no-bare", false, "do not run the bare net/http handler")
	gzip := fs.Bool("gzip", false, "ask for gzip-compressed answers (Accept-Encoding: gzip), as browsers do")
	keep := fs.Bool("keep", false, "keep the copies of the data directory and the server logs")
	var bins, paths, serveFlags []string
	fs.Func("bin", "NAME=PATH (or PATH) of a partnerhub binary (repeat to compare, interleaved)", func(s string) error {
		bins = append(bins, s)
		return nil
	})
	fs.Func("path", "a path with its query to load, such as '/directory?q=care', or several separated by spaces, loaded in turn (repeat)", func(s string) error {
		for _, p := range strings.Fields(s) {
			if !strings.HasPrefix(p, "/") {
				return fmt.Errorf("path %q must start with /", p)
			}
		}
		if len(strings.Fields(s)) == 0 {
			return errors.New("empty --path")
		}
		paths = append(paths, strings.Join(strings.Fields(s), " "))
		return nil
	})
	fs.Func("serve-flag", "a flag for partnerhub serve (repeat for more)", func(s string) error {
		serveFlags = append(serveFlags, s)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dataDir == "" || len(bins) == 0 || len(paths) == 0 {
		return errors.New("pages needs --data-dir, at least one --bin and at least one --path")
	}
	if _, err := os.Stat(filepath.Join(*dataDir, "partnerhub.db")); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	tmp, err := os.MkdirTemp("", "partnerhub-pages-")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Fprintln(out, "copies and logs kept in", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	type server struct {
		name string
		p    *process
	}
	var servers []server
	defer func() {
		for _, s := range servers {
			s.p.stop()
		}
	}()
	for i, b := range bins {
		name, path, ok := strings.Cut(b, "=")
		if !ok {
			name, path = filepath.Base(b), b
		}
		bin, err := filepath.Abs(path)
		if err != nil {
			return err
		}
		dir := filepath.Join(tmp, fmt.Sprintf("data-%d", i))
		t0 := time.Now()
		if cp, err := exec.CommandContext(ctx, "cp", "-a", *dataDir, dir).CombinedOutput(); err != nil {
			return fmt.Errorf("copy %s: %v\n%s", *dataDir, err, cp)
		}
		p, d, err := startTimed(ctx, bin, append([]string{"serve", "--data-dir", dir}, serveFlags...), filepath.Join(tmp, fmt.Sprintf("serve-%d.log", i)))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		servers = append(servers, server{name: name, p: p})
		fmt.Fprintf(out, "%s: %s serving a copy of %s (copied in %s, ready in %s ms)\n", name, bin, *dataDir, time.Since(t0).Round(time.Millisecond), benchkit.Ms(d))
	}

	var cookies []string
	if *signedIn {
		for _, s := range servers {
			ck, err := signIn(s.p.url, *email, *pass)
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			cookies = append(cookies, ck)
		}
	}

	// What each server answers, and the bare handler serving those bytes
	// (the first server's page, as fetched once).
	type target struct {
		benchkit.Target
		pid  int
		path string
		who  string
	}
	var targets []target
	var routes []string
	for pi, group := range paths {
		for qi, path := range strings.Fields(group) {
			for si, s := range servers {
				body, err := fetch(s.p.url+path, "")
				if err != nil {
					return fmt.Errorf("%s: %w", s.name, err)
				}
				if si == 0 && !*noBare {
					f := filepath.Join(tmp, fmt.Sprintf("page-%d-%d.html", pi, qi))
					if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
						return err
					}
					routes = append(routes, path+"="+f)
				}
			}
		}
	}
	var bareSrv *process
	if !*noBare {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		var bargs []string
		for _, r := range routes {
			bargs = append(bargs, "--route", r)
		}
		bareSrv, err = startProcess(ctx, self, append([]string{"bare"}, bargs...), filepath.Join(tmp, "bare.log"))
		if err != nil {
			return err
		}
		defer bareSrv.stop()
	}
	// on is a path group's target on the server at base.
	on := func(name, base, group string) benchkit.Target {
		ps := strings.Fields(group)
		t := benchkit.Target{Name: name, URL: base + ps[0]}
		if *gzip {
			t.Header = http.Header{"Accept-Encoding": {"gzip"}}
		}
		for _, p := range ps[1:] {
			t.Also = append(t.Also, base+p)
		}
		return t
	}
	for _, path := range paths {
		if bareSrv != nil {
			targets = append(targets, target{Target: on("bare "+path, bareSrv.url, path), pid: bareSrv.cmd.Process.Pid, path: path, who: "bare"})
		}
		for si, s := range servers {
			targets = append(targets, target{Target: on(s.name+" "+path, s.p.url, path), pid: s.p.cmd.Process.Pid, path: path, who: s.name})
			if *signedIn {
				t := on(s.name+" signed-in "+path, s.p.url, path)
				if t.Header == nil {
					t.Header = http.Header{}
				}
				t.Header.Set("Cookie", cookies[si])
				targets = append(targets, target{Target: t, pid: s.p.cmd.Process.Pid, path: path, who: s.name + " signed-in"})
			}
		}
	}

	c := benchkit.NewClient(*workers)
	for _, t := range targets {
		if *warmup > 0 {
			if _, err := benchkit.Load(ctx, c, t.Target, *warmup, *workers); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(out, "\n%d workers, %d requests per target per round (after %d warm-up), %d rounds, loopback\n", *workers, *requests, *warmup, *rounds)
	type measured struct {
		r   benchkit.Result
		cpu time.Duration // server CPU over the run
	}
	byName := map[string][]measured{}
	for i := 0; i < max(*rounds, 1); i++ {
		var line []string
		for _, t := range targets {
			cpu0 := procCPU(t.pid)
			r, err := benchkit.Load(ctx, c, t.Target, *requests, *workers)
			if err != nil {
				return err
			}
			cpu := procCPU(t.pid) - cpu0
			if r.Errors > 0 {
				return fmt.Errorf("%s: %d of %d requests failed (first: %s)", t.Name, r.Errors, r.Requests, r.FirstErr)
			}
			byName[t.Name] = append(byName[t.Name], measured{r, cpu})
			line = append(line, fmt.Sprintf("%.0f", r.RPS()))
		}
		fmt.Fprintf(out, "round %d req/s: %s\n", i+1, strings.Join(line, " "))
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target (median round)\treq/s\tp50 ms\tp99 ms\tserver CPU ms/req\tbytes/resp\tp99 / bare\tCPU / bare\t")
	bare := map[string]measured{}
	for _, t := range targets {
		ms := byName[t.Name]
		sort.Slice(ms, func(i, j int) bool { return ms[i].r.RPS() < ms[j].r.RPS() })
		m := ms[len(ms)/2]
		cpuPer := float64(m.cpu.Microseconds()) / 1000 / float64(m.r.Requests)
		ratios := "\t\t"
		if t.who == "bare" {
			bare[t.path] = m
		} else if b, ok := bare[t.path]; ok {
			bcpu := float64(b.cpu.Microseconds()) / 1000 / float64(b.r.Requests)
			cr := "-"
			if bcpu > 0 {
				cr = fmt.Sprintf("%.1fx", cpuPer/bcpu)
			}
			ratios = fmt.Sprintf("%.1fx\t%s\t", float64(m.r.Percentile(99))/float64(b.r.Percentile(99)), cr)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%.2f\t%d\t%s\n", t.Name, m.r.RPS(), benchkit.Ms(m.r.Percentile(50)), benchkit.Ms(m.r.Percentile(99)), cpuPer, m.r.BytesPerResponse(), ratios)
	}
	tw.Flush()
	fmt.Fprintln(out, "\nserver CPU: utime+stime of the serving process from /proc/PID/stat (10 ms ticks) over the median round, per request;")
	fmt.Fprintln(out, "the load generator runs on the same machine. bare: a net/http handler in its own process writing the page's bytes.")
	return nil
}
