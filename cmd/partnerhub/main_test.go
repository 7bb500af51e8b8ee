package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/testkit"
)

// syncBuffer is a bytes.Buffer safe for the server's logger and the test.
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

// program is one in-process run of the partnerhub program object.
type program struct {
	*Main
	Out, Err *syncBuffer
}

// newProgram returns a program whose environment is env only (plus fast
// password hashing), so the host's PARTNERHUB_* variables do not leak in.
func newProgram(env map[string]string, stdin string) *program {
	out, errb := &syncBuffer{}, &syncBuffer{}
	m := NewMain()
	m.Stdin = strings.NewReader(stdin)
	m.Stdout, m.Stderr = out, errb
	m.Lookup = func(k string) (string, bool) {
		if k == "PARTNERHUB_PASSWORD_COST" {
			if v, ok := env[k]; ok {
				return v, true
			}
			return "test", true
		}
		v, ok := env[k]
		return v, ok
	}
	return &program{Main: m, Out: out, Err: errb}
}

// patience is a context that ends shortly before go test's -timeout
// would stop the package (which names no test), or never without one: a
// command or server the tests wait for is waited for until it is done,
// however loaded the machine, and only then called stuck.
func patience(t *testing.T) (context.Context, context.CancelFunc) {
	d, ok := t.Deadline()
	if !ok {
		return context.WithCancel(context.Background())
	}
	return context.WithDeadline(context.Background(), d.Add(-min(time.Until(d)/10, time.Minute)))
}

// run runs one command to completion and returns its exit code.
func run(t *testing.T, stdin string, args ...string) (int, *program) {
	t.Helper()
	p := newProgram(nil, stdin)
	ctx, cancel := patience(t)
	defer cancel()
	code := p.Run(ctx, args)
	p.Close()
	return code, p
}

// mustRun runs a command and fails the test unless it exits 0.
func mustRun(t *testing.T, stdin string, args ...string) *program {
	t.Helper()
	code, p := run(t, stdin, args...)
	if code != 0 {
		t.Fatalf("partnerhub %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, p.Out, p.Err)
	}
	return p
}

// served is a program running `serve` in the background.
type served struct {
	*program
	URL    string
	cancel context.CancelFunc
	done   chan int
}

// serve starts `partnerhub serve --addr 127.0.0.1:0 args...` in-process and
// waits until it is listening. The server stops when the test ends.
func serve(t *testing.T, args ...string) *served {
	t.Helper()
	s, code := startServe(t, args...)
	if s == nil {
		t.Fatalf("serve exited with %d before listening:\n%s", code, strings.Join(args, " "))
	}
	return s
}

// startServe is serve that returns (nil, exit code) when serve exits first.
func startServe(t *testing.T, args ...string) (*served, int) {
	t.Helper()
	p := newProgram(nil, "")
	ready := make(chan string, 1)
	p.Ready = ready
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{program: p, cancel: cancel, done: make(chan int, 1)}
	go func() {
		code := p.Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...))
		p.Close()
		s.done <- code
	}()
	wait, stopWaiting := patience(t)
	defer stopWaiting()
	select {
	case s.URL = <-ready:
	case code := <-s.done:
		cancel()
		t.Logf("serve stderr: %s", p.Err)
		return nil, code
	case <-wait.Done():
		cancel()
		t.Fatalf("serve did not become ready:\n%s", p.Err)
	}
	t.Cleanup(func() { s.stop(t) })
	return s, 0
}

// stop cancels the server's context and returns its exit code.
func (s *served) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	wait, stopWaiting := patience(t)
	defer stopWaiting()
	select {
	case code := <-s.done:
		s.done <- code // later calls see it too
		return code
	case <-wait.Done():
		t.Fatalf("serve did not stop after its context was cancelled:\n%s", s.Err)
		return -1
	}
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeHealthAndGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	s := serve(t, "--data-dir", dir, "--migrate")
	if st, body := get(t, nil, s.URL+"/healthz"); st != 200 || !strings.Contains(body, "ok") {
		t.Errorf("/healthz: %d %q", st, body)
	}
	if st, body := get(t, nil, s.URL+"/readyz"); st != 200 || !strings.Contains(body, "ready") {
		t.Errorf("/readyz: %d %q", st, body)
	}
	if st, body := get(t, nil, s.URL+"/"); st != 200 || !strings.Contains(body, "<main") {
		t.Errorf("home page: %d", st)
	}
	if !strings.Contains(s.Err.String(), "msg=listening url="+s.URL) {
		t.Errorf("the log does not announce the URL:\n%s", s.Err)
	}

	// A request in flight when shutdown starts still gets its answer: its
	// headers are sent, its body only after the server was told to stop.
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "email=late%40example.org&password="
	fmt := "POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
	io.WriteString(conn, strings.Replace(fmt, "%d", strconv.Itoa(len(body)), 1)+body[:10])
	time.Sleep(100 * time.Millisecond)
	s.cancel()
	time.Sleep(100 * time.Millisecond)
	io.WriteString(conn, body[10:])
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	reply, _ := io.ReadAll(conn)
	if !strings.HasPrefix(string(reply), "HTTP/1.1 422") {
		t.Errorf("a request in flight during shutdown got %q, want the sign-in form's 422", firstLine(string(reply)))
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exit code after shutdown = %d, want 0\n%s", code, s.Err)
	}
	if !strings.Contains(s.Err.String(), "shutting down") {
		t.Errorf("no shutdown log line:\n%s", s.Err)
	}
	if _, err := http.Get(s.URL + "/healthz"); err == nil {
		t.Error("the server still answers after shutdown")
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func TestServeRefusesUnmigratedDatabase(t *testing.T) {
	dir := t.TempDir()
	s, code := startServe(t, "--data-dir", dir)
	if s != nil {
		t.Fatal("serve started on an empty, un-migrated database")
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	// The refusal must say what to do. Run it again to read stderr.
	code, p := run(t, "", "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
	msg := p.Err.String()
	if code == 0 || !strings.Contains(msg, "out of date") || !strings.Contains(msg, "partnerhub migrate") || !strings.Contains(msg, "--migrate") {
		t.Errorf("refusal message does not explain itself (exit %d):\n%s", code, msg)
	}

	// migrate, then serve works without --migrate.
	p = mustRun(t, "", "migrate", "--data-dir", dir)
	if !strings.Contains(p.Out.String(), "applied") {
		t.Errorf("migrate output: %s", p.Out)
	}
	srv := serve(t, "--data-dir", dir)
	if st, _ := get(t, nil, srv.URL+"/readyz"); st != 200 {
		t.Errorf("/readyz after migrate: %d", st)
	}
	// A second migrate applies nothing.
	p = mustRun(t, "", "migrate", "--data-dir", dir)
	if !strings.Contains(p.Out.String(), "applied 0 migrations") {
		t.Errorf("second migrate: %s", p.Out)
	}
}

func TestDemoThenServe(t *testing.T) {
	if testing.Short() {
		t.Skip("demo generation is slow-ish")
	}
	dir := t.TempDir()
	p := mustRun(t, "", "demo", "--data-dir", dir, "--orgs", "20")
	out := p.Out.String()
	if !strings.Contains(out, "Demo logins") || !strings.Contains(out, "owner@demo.partnerhub.test") {
		t.Fatalf("demo output does not list the logins:\n%s", out)
	}
	s := serve(t, "--data-dir", dir)
	if st, _ := get(t, nil, s.URL+"/readyz"); st != 200 {
		t.Fatalf("/readyz on the demo: %d", st)
	}
	// The demo's admin signs in with the printed secret's current code
	// (`partnerhub user totp-code`), and reaches the admin area.
	if !strings.Contains(out, testkit.DemoTOTPSecret) || !strings.Contains(out, "partnerhub user totp-code --email admin@demo.partnerhub.test") {
		t.Errorf("demo output does not give the admin's two-factor secret and code command:\n%s", out)
	}
	ac := signIn(t, s.URL, "admin@demo.partnerhub.test", testkit.DemoPassword, dir)
	if st, body := get(t, ac, s.URL+"/admin"); st != 200 || !strings.Contains(body, "<title>Administration") {
		t.Errorf("/admin as the demo admin after the code: %d", st)
	}
	// A printed demo login works.
	c := signIn(t, s.URL, "owner@demo.partnerhub.test", testkit.DemoPassword)
	st, body := get(t, c, s.URL+"/account")
	if st != 200 || !strings.Contains(body, "owner@demo.partnerhub.test") {
		t.Errorf("/account as the demo owner: %d", st)
	}
	// Demo is a reset: running it again over the same directory works.
	mustRun(t, "", "demo", "--data-dir", filepath.Join(t.TempDir(), "again"), "--orgs", "10")
}

// signIn posts the sign-in form and returns a client holding the session.
// When the server asks for a two-factor code, it gets the current one from
// `partnerhub user totp-code` over dataDir (the first of them). It returns
// the path the sign-in landed on.
func signIn(t *testing.T, base, email, password string, dataDir ...string) *http.Client {
	c, _ := signInAt(t, base, email, password, dataDir...)
	return c
}

func signInAt(t *testing.T, base, email, password string, dataDir ...string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := c.PostForm(base+"/signin", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path == "/signin/two-factor" && len(dataDir) > 0 {
		p := mustRun(t, "", "user", "totp-code", "--email", email, "--data-dir", dataDir[0])
		code := strings.TrimSpace(p.Out.String())
		if resp, err = c.PostForm(base+"/signin/two-factor", url.Values{"code": {code}}); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// Sign-in lands on /home; an admin without two-factor sign-in is
	// offered its set-up first.
	if p := resp.Request.URL.Path; resp.StatusCode != 200 || (p != "/home" && p != "/account/two-factor/setup") {
		t.Fatalf("sign in as %s: status %d at %s", email, resp.StatusCode, p)
	}
	return c, resp.Request.URL.Path
}

func TestConfigRedactsSecrets(t *testing.T) {
	p := newProgram(map[string]string{
		"PARTNERHUB_SMTP_URL": "smtp://mailer:smtp-secret-1@mail.example.org:587",
	}, "")
	code := p.Run(context.Background(), []string{"config", "--database-url", "postgres://app:pg-secret-2@db.example.org:5432/partnerhub?sslmode=require&password=pg-secret-3"})
	out := p.Out.String()
	if code != 0 {
		t.Fatalf("config exit %d: %s", code, p.Err)
	}
	for _, secret := range []string{"smtp-secret-1", "pg-secret-2", "pg-secret-3"} {
		if strings.Contains(out, secret) {
			t.Errorf("config printed the secret %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"mailer", "mail.example.org", "db.example.org", "REDACTED", "database_url"} {
		if !strings.Contains(out, want) {
			t.Errorf("config output lacks %q:\n%s", want, out)
		}
	}
	// A bad environment value is a usage error, not silently ignored.
	p = newProgram(map[string]string{"PARTNERHUB_JOBS": "maybe"}, "")
	if code := p.Run(context.Background(), []string{"config"}); code != 2 || !strings.Contains(p.Err.String(), "PARTNERHUB_JOBS") {
		t.Errorf("bad PARTNERHUB_JOBS: exit %d, stderr %s", code, p.Err)
	}
}

func TestUserCreate(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "", "migrate", "--data-dir", dir)
	p := mustRun(t, "correct horse battery staple\n", "user", "create", "--admin", "--email", "Root@Example.org", "--data-dir", dir)
	if !strings.Contains(p.Out.String(), "created administrator root@example.org") {
		t.Errorf("user create output: %s", p.Out)
	}
	if strings.Contains(p.Out.String()+p.Err.String(), "correct horse") {
		t.Error("user create echoed the password")
	}
	code, p := run(t, "password123\n", "user", "create", "--email", "weak@example.org", "--data-dir", dir)
	if code == 0 || !strings.Contains(p.Err.String(), "too common") {
		t.Errorf("a common password: exit %d: %s", code, p.Err)
	}
	code, p = run(t, "another good passphrase\n", "user", "create", "--email", "root@example.org", "--data-dir", dir)
	if code == 0 || !strings.Contains(strings.ToLower(p.Err.String()), "already") {
		t.Errorf("a duplicate email: exit %d: %s", code, p.Err)
	}
	code, p = run(t, "short\n", "user", "create", "--email", "short@example.org", "--data-dir", dir)
	if code == 0 || !strings.Contains(p.Err.String(), "8 characters") {
		t.Errorf("a short password: exit %d: %s", code, p.Err)
	}
	if code, _ := run(t, "correct horse battery staple\n", "user", "create", "--data-dir", dir); code != 2 {
		t.Errorf("no --email: exit %d, want 2", code)
	}

	d, err := db.Open(context.Background(), db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var admin bool
	var verified *time.Time
	if err := d.Q().QueryRowContext(context.Background(), `SELECT is_admin, email_verified_at FROM users WHERE email = 'root@example.org'`).Scan(&admin, &verified); err != nil {
		t.Fatal(err)
	}
	if !admin || verified == nil {
		t.Errorf("created user: admin=%v verified=%v", admin, verified != nil)
	}
	var n int
	d.Q().QueryRowContext(context.Background(), `SELECT count(*) FROM users`).Scan(&n)
	if n != 1 {
		t.Errorf("%d users, want 1: refused creations wrote something", n)
	}
	// Without two-factor sign-in there is no code to print.
	if code, p := run(t, "", "user", "totp-code", "--email", "root@example.org", "--data-dir", dir); code == 0 || !strings.Contains(p.Err.String(), "has not set up two-factor sign-in") {
		t.Errorf("user totp-code for a user without two-factor: exit %d, stderr %q", code, p.Err)
	}
	// The created user can sign in through the server.
	s := serve(t, "--data-dir", dir)
	c, at := signInAt(t, s.URL, "root@example.org", "correct horse battery staple")
	if at != "/account/two-factor/setup" {
		t.Errorf("a new admin signed in at %s, not the two-factor set-up", at)
	}
	if st, _ := get(t, c, s.URL+"/account"); st != 200 {
		t.Errorf("/account: %d", st)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"serve", "--no-such-flag"}, {"user", "delete"}} {
		code, p := run(t, "", args...)
		if code != 2 {
			t.Errorf("partnerhub %v: exit %d, want 2", args, code)
		}
		if !strings.Contains(p.Err.String(), "partnerhub") {
			t.Errorf("partnerhub %v: no usage message: %q", args, p.Err)
		}
	}
	code, p := run(t, "", "frobnicate")
	if code != 2 || !strings.Contains(p.Err.String(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %s", code, p.Err)
	}
	if code, p := run(t, "", "version"); code != 0 || !strings.HasPrefix(p.Out.String(), "partnerhub ") {
		t.Errorf("version: %d %q", code, p.Out)
	}
	if code, p := run(t, "", "help"); code != 0 || !strings.Contains(p.Out.String(), "partnerhub serve") {
		t.Errorf("help: %d %q", code, p.Out)
	}
	if code, p := run(t, "", "serve", "--database-url", "mysql://x"); code != 2 || !strings.Contains(p.Err.String(), "postgres://") {
		t.Errorf("a non-PostgreSQL URL: %d %s", code, p.Err)
	}
}

// TestPostgres runs migrate and serve against a fresh PostgreSQL schema.
func TestPostgres(t *testing.T) {
	base := dbtest.RequirePostgres(t)
	u, _ := dbtest.NewSchema(t, base)
	if s, code := startServe(t, "--database-url", u); s != nil || code != 1 {
		t.Fatalf("serve on an empty PostgreSQL schema: started=%v exit=%d", s != nil, code)
	}
	mustRun(t, "", "migrate", "--database-url", u)
	mustRun(t, "correct horse battery staple\n", "user", "create", "--email", "pg@example.org", "--database-url", u)
	s := serve(t, "--data-dir", t.TempDir(), "--database-url", u)
	if st, _ := get(t, nil, s.URL+"/readyz"); st != 200 {
		t.Errorf("/readyz: %d", st)
	}
	c := signIn(t, s.URL, "pg@example.org", "correct horse battery staple")
	if st, _ := get(t, c, s.URL+"/account"); st != 200 {
		t.Errorf("/account: %d", st)
	}
	if code, p := run(t, "", "backup", "--out", filepath.Join(t.TempDir(), "x"), "--database-url", u); code == 0 || !strings.Contains(p.Err.String(), "pg_dump") {
		t.Errorf("backup on PostgreSQL should explain pg_dump: %d %s", code, p.Err)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d", code)
	}

	// serve --migrate on another fresh schema.
	u2, _ := dbtest.NewSchema(t, base)
	s2 := serve(t, "--data-dir", t.TempDir(), "--database-url", u2, "--migrate")
	if st, _ := get(t, nil, s2.URL+"/readyz"); st != 200 {
		t.Errorf("/readyz after serve --migrate: %d", st)
	}
}

// TestReadyzWhenDatabaseGoesAway serves PostgreSQL through a TCP proxy that
// the test cuts and restores: /readyz and database-backed pages answer 503
// with a friendly page while it is down, and recover when it is back.
func TestReadyzWhenDatabaseGoesAway(t *testing.T) {
	base := dbtest.RequirePostgres(t)
	direct, _ := dbtest.NewSchema(t, base)
	mustRun(t, "", "migrate", "--database-url", direct)
	mustRun(t, "correct horse battery staple\n", "user", "create", "--email", "flaky@example.org", "--database-url", direct)

	du, _ := url.Parse(direct)
	px := newProxy(t, du.Host)
	du.Host = px.addr
	s := serve(t, "--data-dir", t.TempDir(), "--database-url", du.String(), "--jobs=false")
	c := signIn(t, s.URL, "flaky@example.org", "correct horse battery staple")
	if st, _ := get(t, c, s.URL+"/account"); st != 200 {
		t.Fatalf("/account before the outage: %d", st)
	}

	px.down()
	if st, body := get(t, nil, s.URL+"/readyz"); st != 503 {
		t.Errorf("/readyz with the database down: %d %q, want 503", st, body)
	}
	if st, _ := get(t, nil, s.URL+"/healthz"); st != 200 {
		t.Errorf("/healthz with the database down: %d, want 200 (the process is up)", st)
	}
	st, body := get(t, c, s.URL+"/account")
	if st != 503 {
		t.Errorf("/account with the database down: %d, want 503", st)
	}
	if !strings.Contains(body, "Sorry, the service is unavailable") || !strings.Contains(body, "<main") {
		t.Errorf("/account with the database down is not the friendly error page:\n%.400s", body)
	}
	for _, leak := range []string{"dial tcp", "connection refused", "pgx", "pgconn", "goroutine"} {
		if strings.Contains(body, leak) {
			t.Errorf("the error page leaks internals (%q)", leak)
		}
	}
	// Public pages that need no database still work.
	if st, _ := get(t, nil, s.URL+"/about"); st != 200 {
		t.Errorf("/about with the database down: %d", st)
	}

	px.up()
	wait, stopWaiting := patience(t)
	defer stopWaiting()
	for {
		st, _ := get(t, nil, s.URL+"/readyz")
		if st == 200 {
			break
		}
		if wait.Err() != nil {
			t.Fatalf("/readyz did not recover after the database returned (last %d)", st)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if st, body := get(t, c, s.URL+"/account"); st != 200 || !strings.Contains(body, "flaky@example.org") {
		t.Errorf("/account after the database returned: %d (the session should still be valid)", st)
	}
}

// proxy forwards TCP connections to a target; down() closes the listener
// and every open connection, up() listens again on the same address.
type proxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, addr: ln.Addr().String(), target: target, conns: map[net.Conn]bool{}}
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[u] = true, true
			p.mu.Unlock()
			go func() { io.Copy(u, c); u.Close() }()
			go func() { io.Copy(c, u); c.Close() }()
		}
	}()
}

func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

func (p *proxy) up() {
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("reopen the proxy on %s: %v", p.addr, err)
	}
	p.serve(ln)
}
