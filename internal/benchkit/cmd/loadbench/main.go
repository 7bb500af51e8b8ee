// Command loadbench measures Partnerhub on loopback (make bench): start-up
// time to ready over the demo database, then requests per second and
// p50/p99 latency for the home page, a signed-in page (/account) and a bare
// net/http handler that writes a body of the home page's size, all in the
// same run, and prints the ratios to the bare handler.
//
//	go run ./internal/benchkit/cmd/loadbench --bin bin/partnerhub
//
// The bare handler runs in its own process (this program re-executed with
// "bare"), like the real server, so both pay the same process and loopback
// costs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"partnerhub/internal/benchkit"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "bare" {
		if err := bare(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "loadbench bare:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "bare-db" {
		if err := bareDB(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "loadbench bare-db:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && os.Args[1] == "pages" {
		if err := pages(ctx, os.Args[2:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "loadbench pages:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "startup" {
		if err := startup(ctx, os.Args[2:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "loadbench startup:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

type options struct {
	bin          string
	requests     int
	warmup       int
	workers      int
	orgs         int
	startupRuns  int
	rounds       int
	email, pass  string
	keep         bool
	dataDir      string
	serverLogDir string
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	fs.StringVar(&o.bin, "bin", "bin/partnerhub", "the partnerhub binary to measure")
	fs.IntVar(&o.requests, "requests", 20000, "requests per target")
	fs.IntVar(&o.warmup, "warmup", 2000, "unmeasured requests per target first")
	fs.IntVar(&o.workers, "workers", 32, "concurrent workers (and connections)")
	fs.IntVar(&o.orgs, "orgs", 300, "organisations in the demo town")
	fs.IntVar(&o.startupRuns, "startup-runs", 5, "how many times to time start-up")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds over the targets, interleaved; the median round by req/s is reported")
	fs.StringVar(&o.email, "email", "owner@demo.partnerhub.test", "demo login for the signed-in page")
	fs.StringVar(&o.pass, "password", "", "its password (default: the demo password printed by partnerhub demo)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary data directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return err
	}
	o.bin = bin
	tmp, err := os.MkdirTemp("", "partnerhub-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(out, "data kept in", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	o.dataDir = filepath.Join(tmp, "data")
	o.serverLogDir = tmp

	fmt.Fprintf(out, "loadbench: %s, GOMAXPROCS=%d, %d CPUs, %d requests per target per round (after %d warm-up), %d rounds, %d workers, loopback\n\n",
		runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU(), o.requests, o.warmup, o.rounds, o.workers)

	// The demo town.
	t0 := time.Now()
	demoOut, err := exec.CommandContext(ctx, o.bin, "demo", "--data-dir", o.dataDir, "--orgs", fmt.Sprint(o.orgs)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("partnerhub demo: %v\n%s", err, demoOut)
	}
	fmt.Fprintf(out, "demo town (%d organisations) generated in %s\n", o.orgs, time.Since(t0).Round(time.Millisecond))
	if o.pass == "" {
		o.pass = demoPassword(string(demoOut))
		if o.pass == "" {
			return fmt.Errorf("cannot find the demo password in the output of partnerhub demo:\n%s", demoOut)
		}
	}

	// Start-up time: from exec to the first 200 from /readyz.
	var startups []time.Duration
	for i := 0; i < o.startupRuns; i++ {
		s, d, err := startServer(ctx, o, fmt.Sprintf("startup-%d.log", i))
		if err != nil {
			return err
		}
		startups = append(startups, d)
		s.stop()
	}
	sort.Slice(startups, func(i, j int) bool { return startups[i] < startups[j] })

	// The server under load.
	srv, _, err := startServer(ctx, o, "serve.log")
	if err != nil {
		return err
	}
	defer srv.stop()
	cookie, err := signIn(srv.url, o.email, o.pass)
	if err != nil {
		return err
	}
	home, err := fetch(srv.url+"/", "")
	if err != nil {
		return err
	}
	account, err := fetch(srv.url+"/account", cookie)
	if err != nil {
		return err
	}
	if !strings.Contains(account, o.email) {
		return fmt.Errorf("/account with the session cookie does not show %s: signed-in page not measured", o.email)
	}
	// The signed-in person's first organisation: its dashboard is measured too.
	orgPath := benchkit.FirstOrgPath(account)
	if orgPath == "" {
		return fmt.Errorf("/account lists no organisation of %s: the dashboard is not measured", o.email)
	}

	// The bare baseline: the same bytes from a plain handler, in its own process.
	bodyFile := filepath.Join(tmp, "home.html")
	if err := os.WriteFile(bodyFile, []byte(home), 0o600); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	bareSrv, err := startProcess(ctx, self, []string{"bare", "--body", bodyFile}, filepath.Join(tmp, "bare.log"))
	if err != nil {
		return err
	}
	defer bareSrv.stop()

	c := benchkit.NewClient(o.workers)
	targets := []benchkit.Target{
		{Name: "bare net/http handler", URL: bareSrv.url + "/"},
		{Name: "home page /", URL: srv.url + "/"},
		{Name: "signed-in /account", URL: srv.url + "/account", Header: http.Header{"Cookie": {cookie}}},
		{Name: "signed-in dashboard " + orgPath, URL: srv.url + orgPath, Header: http.Header{"Cookie": {cookie}}},
		{Name: "anonymous /partnerships", URL: srv.url + "/partnerships"},
		{Name: "signed-in /partnerships", URL: srv.url + "/partnerships", Header: http.Header{"Cookie": {cookie}}},
	}
	for _, t := range targets {
		if _, err := benchkit.Load(ctx, c, t, o.warmup, o.workers); err != nil {
			return err
		}
	}
	// Interleaved rounds, so a noisy neighbour on a shared machine hits
	// every target alike; each target's median round is reported.
	rounds := map[string][]benchkit.Result{}
	for i := 0; i < max(o.rounds, 1); i++ {
		var line []string
		for _, t := range targets {
			r, err := benchkit.Load(ctx, c, t, o.requests, o.workers)
			if err != nil {
				return err
			}
			if r.Errors > 0 {
				return fmt.Errorf("%s: %d of %d requests failed (first: %s)", t.Name, r.Errors, r.Requests, r.FirstErr)
			}
			rounds[t.Name] = append(rounds[t.Name], r)
			line = append(line, fmt.Sprintf("%s %.0f req/s", t.Name, r.RPS()))
		}
		fmt.Fprintf(out, "round %d: %s\n", i+1, strings.Join(line, ", "))
	}
	fmt.Fprintln(out)
	results := map[string]benchkit.Result{}
	for name, rs := range rounds {
		sort.Slice(rs, func(i, j int) bool { return rs[i].RPS() < rs[j].RPS() })
		results[name] = rs[len(rs)/2]
	}

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target (median round)\trequests\terrors\treq/s\tp50 ms\tp99 ms\tbytes/resp\t")
	for _, t := range targets {
		r := results[t.Name]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t%d\t\n", r.Name, r.Requests, r.Errors, r.RPS(), benchkit.Ms(r.Percentile(50)), benchkit.Ms(r.Percentile(99)), r.BytesPerResponse())
	}
	tw.Flush()
	bareR := results[targets[0].Name]
	homeR := results[targets[1].Name]
	acctR := results[targets[2].Name]
	ratio := homeR.RPS() / bareR.RPS()
	verdict := "meets"
	if ratio < 0.5 {
		verdict = "BELOW"
	}
	fmt.Fprintf(out, "\nratio home/bare:    %.0f%% (target >= 50%%: %s)\n", ratio*100, verdict)
	fmt.Fprintf(out, "ratio account/bare: %.0f%% (target >= 50%%)\n", acctR.RPS()/bareR.RPS()*100)
	fmt.Fprintf(out, "ratio dashboard/bare: %.0f%% (target >= 50%%)\n", results[targets[3].Name].RPS()/bareR.RPS()*100)
	fmt.Fprintf(out, "ratio anonymous/signed-in /partnerships: %.0f%% (target >= 100%%)\n", results[targets[4].Name].RPS()/results[targets[5].Name].RPS()*100)
	fmt.Fprintf(out, "start-up to ready (exec -> /readyz 200, demo database, %d runs): median %s ms, min %s ms, max %s ms\n",
		len(startups), benchkit.Ms(startups[len(startups)/2]), benchkit.Ms(startups[0]), benchkit.Ms(startups[len(startups)-1]))
	return nil
}

// demoPassword finds "password for all: X" in partnerhub demo's output.
func demoPassword(s string) string {
	_, rest, ok := strings.Cut(s, "password for all: ")
	if !ok {
		return ""
	}
	pw, _, _ := strings.Cut(rest, ")")
	return strings.TrimSpace(pw)
}

type process struct {
	url  string
	cmd  *exec.Cmd
	done chan struct{}
}

func (p *process) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startProcess runs bin with args plus --addr on a free loopback port and
// waits until GET /readyz (or /) answers 200; it returns the time from exec
// to that answer.
func startProcess(ctx context.Context, bin string, args []string, logFile string) (*process, error) {
	p, _, err := startTimed(ctx, bin, args, logFile)
	return p, err
}

func startTimed(ctx context.Context, bin string, args []string, logFile string) (*process, time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	logf, err := os.Create(logFile)
	if err != nil {
		return nil, 0, err
	}
	cmd := exec.Command(bin, append(args, "--addr", addr)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	p := &process{url: "http://" + addr, cmd: cmd, done: make(chan struct{})}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, 0, err
	}
	go func() { cmd.Wait(); logf.Close(); close(p.done) }()
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := start.Add(60 * time.Second)
	for {
		resp, err := c.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p, time.Since(start), nil
			}
		}
		select {
		case <-p.done:
			b, _ := os.ReadFile(logFile)
			return nil, 0, fmt.Errorf("%s exited before it was ready:\n%s", filepath.Base(bin), b)
		case <-ctx.Done():
			p.stop()
			return nil, 0, ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, 0, errors.New("not ready within 60s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// startServer starts partnerhub serve over the demo data directory.
func startServer(ctx context.Context, o options, logName string) (*process, time.Duration, error) {
	return startTimed(ctx, o.bin, []string{"serve", "--data-dir", o.dataDir}, filepath.Join(o.serverLogDir, logName))
}

// signIn posts the sign-in form and returns the session cookie header.
func signIn(base, email, password string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.PostForm(base+"/signin", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/home" { // sign-in lands on "What needs doing"
		return "", fmt.Errorf("sign in as %s: status %d at %s", email, resp.StatusCode, resp.Request.URL.Path)
	}
	u, _ := url.Parse(base)
	var parts []string
	for _, ck := range jar.Cookies(u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; "), nil
}

func fetch(u, cookie string) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	return string(b), err
}

// bare serves a fixed HTML body from a plain net/http handler: the
// baseline. It answers /readyz too, so it starts like the real server.
// With --route URI=FILE (repeatable) a request whose path and query are URI
// gets that file's bytes instead (loadbench pages: each page's own bytes).
func bare(args []string) error {
	fs := flag.NewFlagSet("bare", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	bodyFile := fs.String("body", "", "file holding the HTML body to serve")
	routes := map[string][]byte{}
	fs.Func("route", "URI=FILE: serve FILE's bytes for exactly this path and query (repeat)", func(s string) error {
		i := strings.LastIndexByte(s, '=') // the URI's query holds '=' too
		uri, file, ok := s[:max(i, 0)], s[i+1:], i > 0
		if !ok {
			return fmt.Errorf("route %q is not URI=FILE", s)
		}
		b, err := os.ReadFile(file)
		routes[uri] = b
		return err
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	var body []byte
	if *bodyFile != "" {
		b, err := os.ReadFile(*bodyFile)
		if err != nil {
			return err
		}
		body = b
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ready\n")) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		b, ok := routes[r.URL.RequestURI()]
		if !ok {
			b = body
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b)
	})
	return serveUntilSignal(*addr, mux)
}

// serveUntilSignal serves h on addr until an interrupt or SIGTERM (a
// baseline process of the benchmark).
func serveUntilSignal(addr string, h http.Handler) error {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
