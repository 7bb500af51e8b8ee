package e2e

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	_ "modernc.org/sqlite"

	// The tests run the binary, not this package; importing it makes go
	// test's result cache notice when the application changes.
	_ "partnerhub/internal/app"
	"partnerhub/internal/db/dbtest"
)

const (
	axePath = "node_modules/axe-core/axe.min.js"
	// Password is the password of users the helpers create.
	Password = "correct horse battery e2e"
)

// The shared fixtures, started on first use so that `go test -run '^$'
// -bench .` (make bench) does not build a binary or launch a browser.
var (
	tmpRoot string

	binOnce sync.Once
	binPath string
	binErr  error

	// servers are the journeys' servers, one per top-level test (see app).
	serversMu sync.Mutex
	servers   = map[string]*serverSlot{}

	browserOnce   sync.Once
	browserCtx    context.Context
	browserCancel context.CancelFunc
	browserErr    error

	axeOnce   sync.Once
	axeSource string
	axeStore  string
	axeErr    error
)

func TestMain(m *testing.M) {
	flag.Parse()
	// The journeys wait mostly on each other's processes (a page load is
	// the test, Chromium and a server taking turns), so twice as many run
	// at once as go test's default of one per core, unless -parallel says.
	parallelSet := false
	flag.Visit(func(f *flag.Flag) { parallelSet = parallelSet || f.Name == "test.parallel" })
	if !parallelSet {
		flag.Set("test.parallel", fmt.Sprint(2*runtime.GOMAXPROCS(0)))
	}
	if f := flag.Lookup("test.timeout"); f != nil {
		if d, _ := time.ParseDuration(f.Value.String()); d > 0 {
			giveUp = time.Now().Add(d - min(d/10, time.Minute))
		}
	}
	var err error
	tmpRoot, err = os.MkdirTemp("", "partnerhub-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	snapshotCPU() // before the browser is killed (phases_test.go)
	if browserCancel != nil {
		browserCancel()
	}
	// Servers first started by a subtest live until now (see app).
	serversMu.Lock()
	for name, sl := range servers {
		if sl.s == nil || sl.stopped {
			continue
		}
		if bad := sl.s.stop(); bad != "" {
			fmt.Fprintf(os.Stderr, "e2e: the server of %s logged errors:\n%s\n", name, bad)
			if code == 0 {
				code = 1
			}
		}
	}
	serversMu.Unlock()
	printPhases(os.Stderr)
	os.RemoveAll(tmpRoot)
	os.Exit(code)
}

// giveUp is when a step still waiting is called stuck: shortly before go
// test's -timeout (45 minutes in make test) would stop the package, which
// names no step. Until then every wait is on a condition (a log line, a
// page load, a selector, a row), never on a fixed deadline, so a slow,
// loaded machine makes the journeys slower, not failed. Zero: no limit.
var giveUp time.Time

// untilGiveUp is a context that ends at giveUp.
func untilGiveUp(parent context.Context) (context.Context, context.CancelFunc) {
	if giveUp.IsZero() {
		return context.WithCancel(parent)
	}
	return context.WithDeadline(parent, giveUp)
}

// headlessShells are where Debian's chromium-headless-shell package puts
// Chromium's headless shell: the old headless mode, made for automation,
// without the full browser's user interface, extensions and background
// services. Driving the journeys, it took half the CPU of `chromium
// --headless` (issue 20 target 9; the README gives the figures). The
// binary comes first: /usr/bin's is a shell script that waits for it, so
// a browser started through it is not the test binary's child.
var headlessShells = []string{"/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium-headless-shell"}

// browserPath is the browser the tests drive: the one that
// PARTNERHUB_E2E_BROWSER names (for example /usr/bin/chromium), or else
// the headless shell. When it is missing, path is "" and want says what
// to install.
func browserPath() (path, want string) {
	if p := os.Getenv("PARTNERHUB_E2E_BROWSER"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", p + " (PARTNERHUB_E2E_BROWSER)"
		}
		return p, ""
	}
	for _, p := range headlessShells {
		if _, err := os.Stat(p); err == nil {
			return p, ""
		}
	}
	return "", headlessShells[1] + " (Debian package chromium-headless-shell, or PARTNERHUB_E2E_BROWSER=/usr/bin/chromium)"
}

// requireBrowser skips the test when the browser or axe-core is missing,
// and fails it instead when CI=true.
func requireBrowser(t testing.TB) {
	t.Helper()
	var missing []string
	if _, want := browserPath(); want != "" {
		missing = append(missing, want)
	}
	if _, err := os.Stat(axePath); err != nil {
		missing = append(missing, "e2e/"+axePath+" (npm ci in e2e/)")
	}
	if len(missing) == 0 {
		return
	}
	msg := "browser tests need " + strings.Join(missing, " and ") + "; run scripts/browser-deps.sh (make browser-deps)"
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true: " + msg)
	}
	t.Skip("SKIPPING: " + msg)
}

// server is one running `partnerhub serve` process.
type server struct {
	Bin     string
	DataDir string
	URL     string
	cmd     *exec.Cmd
	log     *syncBuffer
	done    chan error
	started time.Time
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serverSlot is one top-level test's server, started once.
type serverSlot struct {
	once    sync.Once
	s       *server
	err     error
	stopped bool
}

// app returns the server of the calling test: every top-level test (with
// its subtests) has a server and SQLite database of its own, started on
// first use, so the journeys run side by side (t.Parallel) without seeing
// each other's rows; they share the one Chromium, a tab (browser context)
// each. The server stops when the top-level test ends (a test fails if
// its server logged an error), or at the end of the package when a
// subtest started it.
func app(t testing.TB) *server {
	t.Helper()
	requireBrowser(t)
	binOnce.Do(func() { binPath, binErr = buildBinary() })
	if binErr != nil {
		t.Fatal(binErr)
	}
	name, _, sub := strings.Cut(t.Name(), "/")
	serversMu.Lock()
	sl := servers[name]
	if sl == nil {
		sl = &serverSlot{}
		servers[name] = sl
	}
	serversMu.Unlock()
	sl.once.Do(func() {
		// A directory of its own per run (go test -count=2 runs a test
		// again in the same process).
		dir, err := os.MkdirTemp(tmpRoot, "data-"+strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return '_'
		}, name)+"-")
		if err != nil {
			sl.err = err
			return
		}
		if sl.err = seedDatabase(dir); sl.err != nil {
			return
		}
		sl.s, sl.err = startServer(binPath, dir)
		if sl.err != nil || sub {
			return
		}
		t.Cleanup(func() {
			serversMu.Lock()
			sl.stopped = true
			if servers[name] == sl { // the next run of this test starts its own
				delete(servers, name)
			}
			serversMu.Unlock()
			if bad := sl.s.stop(); bad != "" {
				t.Errorf("the server logged errors:\n%s", bad)
			}
		})
	})
	if sl.err != nil {
		t.Fatal(sl.err)
	}
	return sl.s
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go" // not on PATH: the error when running it says so
}

// buildBinary builds cmd/partnerhub into the temporary directory, or
// uses the binary that PARTNERHUB_E2E_BIN names.
func buildBinary() (string, error) {
	if b := os.Getenv("PARTNERHUB_E2E_BIN"); b != "" {
		return filepath.Abs(b)
	}
	defer phase("go build")()
	bin := filepath.Join(tmpRoot, "partnerhub")
	cmd := exec.Command(goTool(), "build", "-o", bin, "partnerhub/cmd/partnerhub")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build partnerhub: %v\n%s", err, out)
	}
	return bin, nil
}

// seedDatabase puts a copy of dbtest's migrated SQLite template in
// dataDir, so that the server's --migrate finds nothing pending instead
// of applying every migration to an empty file (issue 20 target 9: at
// load 45 on 2 cores, `partnerhub migrate` of an empty file took 7.4 s
// wall and 0.24 s CPU, of a copy of the template 2.4 s and 0.10 s).
func seedDatabase(dataDir string) error {
	defer phase("seed database")()
	tmpl, err := dbtest.SQLiteTemplate()
	if err != nil {
		return fmt.Errorf("migrated SQLite template: %w", err)
	}
	b, err := os.ReadFile(tmpl)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dataDir, "partnerhub.db"), b, 0o600)
}

var listenRE = regexp.MustCompile(`msg=listening url=(http://\S+)`)

// startServer runs `partnerhub serve` on a random loopback port over a new
// SQLite database in dataDir and waits for its "listening" log line.
func startServer(bin, dataDir string, extra ...string) (*server, error) {
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--migrate"}, extra...)
	cmd := exec.Command(bin, args...)
	// PARTNERHUB_CHECK_VIEWS: a template field its view lacks is logged as
	// an error, which fails the run (stop).
	cmd.Env = append(os.Environ(), "PARTNERHUB_PASSWORD_COST=test", "PARTNERHUB_CHECK_VIEWS=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	s := &server{Bin: bin, DataDir: dataDir, cmd: cmd, log: &syncBuffer{}, done: make(chan error, 1), started: time.Now()}
	defer phase("server start")()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			line := sc.Text()
			s.log.Write([]byte(line + "\n"))
			if m := listenRE.FindStringSubmatch(line); m != nil && !found {
				found = true
				urlc <- m[1]
			}
		}
		io.Copy(s.log, stderr)
		s.done <- cmd.Wait()
	}()
	wait, cancel := untilGiveUp(context.Background())
	defer cancel()
	select {
	case s.URL = <-urlc:
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("partnerhub serve exited before listening (%v):\n%s", err, s.log.String())
	case <-wait.Done():
		cmd.Process.Kill()
		return nil, fmt.Errorf("partnerhub serve did not log its URL in %v:\n%s", time.Since(s.started).Round(time.Second), s.log.String())
	}
}

// stop interrupts the server, waits for it, and returns any ERROR lines
// it logged.
func (s *server) stop() string {
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	phaseAdd("server (life)", time.Since(s.started), s.cmd.ProcessState)
	var bad []string
	for _, line := range strings.Split(s.log.String(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			bad = append(bad, line)
		}
	}
	return strings.Join(bad, "\n")
}

// url is the absolute URL of path on the server.
func (s *server) url(path string) string { return s.URL + path }

// local turns a link from an email (which uses the configured base URL)
// into the same path and query on this server.
func (s *server) local(t testing.TB, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("bad link %q: %v", link, err)
	}
	return s.URL + u.RequestURI()
}

// browser starts the shared headless Chromium on first use.
func browser(t testing.TB) context.Context {
	t.Helper()
	requireBrowser(t)
	browserOnce.Do(func() {
		path, _ := browserPath()
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.UserDataDir(filepath.Join(tmpRoot, "chromium-profile")),
			chromedp.WindowSize(1280, 900),
		}
		allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(allocCtx)
		browserCtx = ctx
		browserCancel = func() { cancel(); allocCancel() }
		// Start the browser now, so a broken install fails here, clearly.
		browserErr = chromedp.Do(ctx, chromedp.Navigate("about:blank"))
	})
	if browserErr != nil {
		t.Fatalf("start chromium: %v", browserErr)
	}
	return browserCtx
}

// newTab opens a tab in a new browser context (its own cookies, like a
// private window); it closes with the test. Every step in it waits on a
// condition (a navigation, a selector), and a tab still waiting at giveUp
// is stuck: its step fails with "context deadline exceeded".
func newTab(t testing.TB) context.Context {
	t.Helper()
	parent := browser(t)
	defer phase("new tab")()
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	ctx, cancelT := untilGiveUp(ctx)
	t.Cleanup(func() { cancelT(); cancel() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return ctx
}

// visit navigates to path on the server and returns the HTTP status.
func visit(t testing.TB, ctx context.Context, path string) int {
	t.Helper()
	target := path
	if strings.HasPrefix(path, "/") {
		target = app(t).url(path)
	}
	defer phase("navigate")()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(target))
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return int(resp.Status)
}

// submit clicks the element sel (a submit button), waits for the page it
// leads to, and returns that page's HTTP status.
func submit(t testing.TB, ctx context.Context, sel string) int {
	t.Helper()
	defer phase("submit")()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
	return int(resp.Status)
}

// fill enters values into form fields by id, in order: it focuses the
// field and inserts the text through the browser's input path (as a
// paste or an input method does: beforeinput and input events, no key
// events; no page script listens for keys). Typing it key by key
// (chromedp.SendKeys) cost three round trips to Chromium, and a
// repaint, per character: most of the journeys' CPU and wait under
// load (issue 20 target 9; the README gives the figures).
func fill(t testing.TB, ctx context.Context, fields ...string) {
	t.Helper()
	if len(fields)%2 != 0 {
		t.Fatal("fill wants id, value pairs")
	}
	defer phase("fill")()
	for i := 0; i < len(fields); i += 2 {
		sel := chromedp.CSS("#" + fields[i])
		clear := chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.getElementById(%q).value = ''`, fields[i]))
		text := fields[i+1]
		insert := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, input.InsertText, input.InsertTextParams{Text: text})
			return err
		})
		if err := chromedp.Do(ctx, chromedp.WaitReady(sel), clear, chromedp.Focus(sel), insert); err != nil {
			t.Fatalf("fill #%s: %v", fields[i], err)
		}
		// The browser takes the text as the field allows it; a field
		// that refused it (a date input, a length limit) fails here.
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.getElementById(%q).value`, fields[i])))
		if err != nil || got != text {
			t.Fatalf("fill #%s: the field holds %q, want %q (%v)", fields[i], got, text, err)
		}
	}
}

// choose selects an option of the <select> with id: value, or the first
// non-empty option when value is "".
func choose(t testing.TB, ctx context.Context, id, value string) string {
	t.Helper()
	if value == "" {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
			`(() => { const o = [...document.querySelectorAll('select#%s option')].find(o => o.value !== ''); return o ? o.value : ''; })()`, id)))
		if err != nil || v == "" {
			t.Fatalf("select #%s has no options (%v)", id, err)
		}
		value = v
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { const s = document.querySelector('select#%s'); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return s.value; })()`, id, value)))
	if err != nil || got != value {
		t.Fatalf("choose %q in #%s: got %q (%v)", value, id, got, err)
	}
	return value
}

// text returns the text of the first element matching a CSS selector.
func text(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	defer phase("read page")()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { const e = document.querySelector(%q); return e ? e.innerText : ''; })()`, sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// location is the current page's URL.
func location(t testing.TB, ctx context.Context) *url.URL {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// signIn signs in through the sign-in form and fails unless it lands on a
// signed-in page.
func signIn(t testing.TB, ctx context.Context, email, password string) {
	t.Helper()
	if st := visit(t, ctx, "/signin"); st != http.StatusOK {
		t.Fatalf("GET /signin: status %d", st)
	}
	fill(t, ctx, "email", email, "password", password)
	if st := submit(t, ctx, `main form[action="/signin"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("sign in as %s: status %d: %s", email, st, text(t, ctx, "main"))
	}
	secondStep(t, ctx, app(t).DataDir, email) // twofactor_test.go
	if n := count(t, ctx, `form[action="/signout"]`); n != 1 {
		t.Fatalf("after signing in as %s there is no sign-out button; page %s says: %s", email, location(t, ctx), text(t, ctx, "main"))
	}
}

// signOut presses the header's sign-out button.
func signOut(t testing.TB, ctx context.Context) {
	t.Helper()
	if st := submit(t, ctx, `form[action="/signout"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("sign out: status %d", st)
	}
	if n := count(t, ctx, `form[action="/signout"]`); n != 0 {
		t.Fatal("still signed in after signing out")
	}
}

// count is the number of elements matching a CSS selector.
func count(t testing.TB, ctx context.Context, sel string) int {
	t.Helper()
	defer phase("read page")()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// createUser makes a verified user with `partnerhub user create`, the
// password (Password) on stdin.
func createUser(t testing.TB, email string, admin bool) {
	t.Helper()
	s := app(t)
	args := []string{"user", "create", "--email", email, "--data-dir", s.DataDir}
	if admin {
		args = append(args, "--admin")
	}
	cmd := exec.Command(s.Bin, args...)
	cmd.Env = append(os.Environ(), "PARTNERHUB_PASSWORD_COST=test")
	cmd.Stdin = strings.NewReader(Password + "\n")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	phaseAdd("user create (CLI)", time.Since(start), cmd.ProcessState)
	if err != nil {
		t.Fatalf("partnerhub user create %s: %v\n%s", email, err, out)
	}
}

// Mail is one outbox message.
type Mail struct{ To, Subject, Body string }

var linkRE = regexp.MustCompile(`https?://\S+`)

// Link returns the first URL in the body whose path contains part.
func (m Mail) Link(t testing.TB, part string) string {
	t.Helper()
	for _, l := range linkRE.FindAllString(m.Body, -1) {
		if strings.Contains(l, part) {
			return strings.TrimRight(l, ".,)")
		}
	}
	t.Fatalf("mail %q to %s has no link containing %q:\n%s", m.Subject, m.To, part, m.Body)
	return ""
}

// mailTo reads the newest outbox message to addr whose subject contains
// subject, straight from the server's SQLite file; it waits until the
// mail is there (written by a request or a job that a loaded machine may
// run late), or giveUp.
func mailTo(t testing.TB, addr, subject string) Mail {
	t.Helper()
	return mailIn(t, app(t), addr, subject)
}

// mailIn is mailTo on server s (a demo server of a journey's own).
func mailIn(t testing.TB, s *server, addr, subject string) Mail {
	t.Helper()
	dsn := "file:" + filepath.Join(s.DataDir, "partnerhub.db") + "?mode=ro&_pragma=busy_timeout(5000)"
	d, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	defer phase("mail wait")()
	for {
		var m Mail
		err := d.QueryRow(`SELECT to_addr, subject, body FROM outbox WHERE lower(to_addr) = lower($1) AND subject LIKE $2 ORDER BY id DESC LIMIT 1`,
			addr, "%"+subject+"%").Scan(&m.To, &m.Subject, &m.Body)
		if err == nil {
			return m
		}
		if !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("read outbox: %v", err)
		}
		if !giveUp.IsZero() && time.Now().After(giveUp) {
			t.Fatalf("no mail to %s with a subject containing %q in the outbox", addr, subject)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
