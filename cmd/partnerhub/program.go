package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/term"

	"partnerhub/internal/accounts"
	"partnerhub/internal/app"
	"partnerhub/internal/apperr"
	"partnerhub/internal/backup"
	"partnerhub/internal/config"
	"partnerhub/internal/db"
	"partnerhub/internal/importing"
	"partnerhub/internal/secretkey"
	"partnerhub/internal/testkit"
)

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "dev"

// Main is the program object: everything main needs, testable from tests.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Lookup func(string) (string, bool)

	// Ready, when set, receives the served URL once serve is listening.
	Ready chan<- string

	closers []func()
}

// NewMain returns a program wired to the real process.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Lookup: os.LookupEnv}
}

// Close releases what Run opened.
func (m *Main) Close() {
	for i := len(m.closers) - 1; i >= 0; i-- {
		m.closers[i]()
	}
	m.closers = nil
}

const usage = `partnerhub: the town's Consortia and Partnership Strategy platform

Usage:
  partnerhub serve    [--addr :8080] [--data-dir DIR] [--database-url URL] [--migrate]
  partnerhub migrate  [--data-dir DIR] [--database-url URL]
  partnerhub demo     [--data-dir DIR] [--database-url URL] [--seed N] [--orgs N]
  partnerhub user create --email EMAIL [--name NAME] [--admin]   (password from the prompt or stdin)
  partnerhub user totp-code --email EMAIL                        (print the current two-factor code of a user)
  partnerhub user export --email EMAIL --out FILE.zip   (subject-access export)
  partnerhub user erase  --email EMAIL [--yes]          (erasure; asks to confirm)
  partnerhub backup   --out FILE.tar.gz [--data-dir DIR]   (database and uploads, one archive)
  partnerhub restore  --from FILE.tar.gz [--data-dir DIR]  (partnerhub stopped; checks before replacing)
  partnerhub audit verify   (checks the audit log's hash chain; exit 1 names the first broken entry)
  partnerhub jobs run NAME
  partnerhub import KIND FILE [--dry-run]   (kinds: ocds, orgs, partnerships; exit 0: every
                      row taken, 1: some rows rejected, 2: the file refused, nothing written)
  partnerhub import charities FILE [--classification FILE] [--postcodes FY1,FY2] [--dry-run]
  partnerhub import companies FILE [--postcodes FY1,FY2] [--dry-run]
  partnerhub config   (prints the effective configuration, secrets redacted)
  partnerhub version

Every command that touches data takes --data-dir and --database-url, or the
environment variables PARTNERHUB_DATA_DIR and PARTNERHUB_DATABASE_URL.
Run "partnerhub COMMAND -h" for a command's flags.
`

// Run runs one subcommand and returns the process exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = m.serve(ctx, rest)
	case "migrate":
		err = m.migrate(ctx, rest)
	case "demo":
		err = m.demo(ctx, rest)
	case "user":
		err = m.user(ctx, rest)
	case "backup":
		err = m.backup(ctx, rest)
	case "restore":
		err = m.restore(ctx, rest)
	case "audit":
		err = m.auditCmd(ctx, rest)
	case "jobs":
		err = m.jobs(ctx, rest)
	case "import":
		err = m.importCmd(ctx, rest)
	case "config":
		err = m.config(rest)
	case "version":
		fmt.Fprintln(m.Stdout, "partnerhub", version())
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
	default:
		fmt.Fprintf(m.Stderr, "partnerhub: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(m.Stderr, "partnerhub %s: %v\n", cmd, err)
			return 2
		}
		var ee exitError
		if errors.As(err, &ee) {
			fmt.Fprintf(m.Stderr, "partnerhub %s: %v\n", cmd, err)
			return ee.code
		}
		fmt.Fprintf(m.Stderr, "partnerhub %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

type usageError struct{ error }

func version() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return Version
}

// parse reads the environment then flags into a config.
func (m *Main) parse(name string, args []string, bind func(*config.Config, *flag.FlagSet), extra func(*flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	cfg, fs, pos, err := m.parseArgs(name, args, bind, extra)
	if err == nil && len(pos) > 0 {
		err = usageError{fmt.Errorf("unexpected argument %q", pos[0])}
	}
	return cfg, fs, err
}

// parseArgs is parse for a command that takes arguments as well as flags:
// it returns them, the flags being allowed before, between and after them
// (`import --dry-run orgs FILE` and `import orgs FILE --dry-run` alike).
func (m *Main) parseArgs(name string, args []string, bind func(*config.Config, *flag.FlagSet), extra func(*flag.FlagSet)) (config.Config, *flag.FlagSet, []string, error) {
	cfg := config.Default()
	if err := cfg.FromEnv(m.Lookup); err != nil {
		return cfg, nil, nil, usageError{err}
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	bind(&cfg, fs)
	if extra != nil {
		extra(fs)
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return cfg, fs, pos, err
			}
			return cfg, fs, pos, usageError{err}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if v, ok := m.Lookup("PARTNERHUB_PASSWORD_COST"); ok {
		cfg.PasswordCost = v
	}
	if v, ok := m.Lookup("PARTNERHUB_CHECK_VIEWS"); ok {
		cfg.CheckViews = v == "1"
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fs, pos, usageError{err}
	}
	return cfg, fs, pos, nil
}

// parseKeyed is parse for the commands that seal or open two-factor
// secrets: they also need the secret key (config.RequireSecretKey).
func (m *Main) parseKeyed(name string, args []string, bind func(*config.Config, *flag.FlagSet), extra func(*flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	cfg, fs, err := m.parse(name, args, bind, extra)
	if err == nil {
		if kerr := cfg.RequireSecretKey(); kerr != nil {
			err = usageError{kerr}
		}
	}
	return cfg, fs, err
}

func (m *Main) logger(cfg config.Config) *slog.Logger {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(m.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(m.Stderr, opts))
}

// lockData takes the data directory's shared lock until Close: every
// command using the data directory shares it; restore takes it alone.
func (m *Main) lockData(dir string) error {
	unlock, err := backup.Lock(dir, false)
	if errors.Is(err, backup.ErrBusy) {
		return fmt.Errorf("a restore into %s is in progress: try again when it has finished", dir)
	}
	if err != nil {
		return err
	}
	m.closers = append(m.closers, unlock)
	return nil
}

func (m *Main) open(ctx context.Context, cfg config.Config) (*db.DB, error) {
	if cfg.DatabaseURL == "" {
		if err := m.lockData(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	d, err := db.Open(ctx, db.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, Pooler: cfg.DatabasePooler})
	if err != nil {
		return nil, err
	}
	m.closers = append(m.closers, func() { d.Close() })
	return d, nil
}

// openCurrent opens the database and refuses one whose schema is not the
// one this binary expects (the commands that read or write data, not migrate).
func (m *Main) openCurrent(ctx context.Context, cfg config.Config) (*db.DB, error) {
	d, err := m.open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := d.CheckSchema(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// openApp opens a current database and builds the whole app over it, for
// the commands that run feature code outside the server (jobs, import).
func (m *Main) openApp(ctx context.Context, cfg config.Config) (*app.App, error) {
	d, err := m.openCurrent(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return app.Build(cfg, m.logger(cfg), d)
}

func (m *Main) serve(ctx context.Context, args []string) error {
	cfg, _, err := m.parseKeyed("serve", args, (*config.Config).BindServe, nil)
	if err != nil {
		return err
	}
	logger := m.logger(cfg)
	start := time.Now()
	d, err := m.open(ctx, cfg)
	if err != nil {
		return err
	}
	if cfg.Migrate {
		applied, err := d.Migrate(ctx)
		if err != nil {
			return err
		}
		if len(applied) > 0 {
			logger.Info("migrations applied", "count", len(applied), "last", applied[len(applied)-1])
		}
	}
	if err := d.CheckSchema(ctx); err != nil {
		return err
	}
	a, err := app.Build(cfg, logger, d)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := app.HTTPServer(a, ln.Addr().String())
	var msrv *http.Server
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		msrv = app.MetricsServer(a, mln.Addr().String())
		go msrv.Serve(mln)
		defer msrv.Close()
		logger.Info("serving metrics", "url", "http://"+mln.Addr().String()+"/metrics")
	}
	host := ln.Addr().(*net.TCPAddr)
	url := fmt.Sprintf("http://%s", ln.Addr().String())
	if host.IP.IsUnspecified() {
		url = fmt.Sprintf("http://localhost:%d", host.Port)
	}
	jobCtx, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	if cfg.Jobs {
		a.Jobs.Start(jobCtx)
	}
	logger.Info("listening", "url", url, "database", string(d.Dialect), "startup_ms", time.Since(start).Milliseconds())
	if m.Ready != nil {
		m.Ready <- url
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// Pages are parsed on first use; parse the rest now the server
	// answers, so start-up does not wait for them (issue 20, target 7).
	go func() {
		if err := a.Web.R.ParseAll(); err != nil {
			logger.Error("pages that do not parse", "err", err)
		}
	}()
	// The sessions' sliding expiries still waiting in memory are written
	// however the server stops, with time of their own (not what is left
	// of the shutdown's).
	defer func() {
		fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if ferr := a.Accounts.FlushSessionTouches(fctx); ferr != nil {
			logger.Error("writing the sessions' last use", "err", ferr)
		}
	}()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	stopJobs()
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if msrv != nil {
		msrv.Shutdown(sctx)
	}
	return srv.Shutdown(sctx)
}

func (m *Main) migrate(ctx context.Context, args []string) error {
	cfg, _, err := m.parse("migrate", args, (*config.Config).BindData, nil)
	if err != nil {
		return err
	}
	d, err := m.open(ctx, cfg)
	if err != nil {
		return err
	}
	applied, err := d.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "applied %d migrations\n", len(applied))
	for _, n := range applied {
		fmt.Fprintln(m.Stdout, "  ", n)
	}
	return d.CheckSchema(ctx)
}

func (m *Main) demo(ctx context.Context, args []string) error {
	var seed int64
	var orgs int
	var force bool
	cfg, _, err := m.parseKeyed("demo", args, (*config.Config).BindData, func(fs *flag.FlagSet) {
		fs.Int64Var(&seed, "seed", 2009, "random seed: the same seed gives the same town")
		fs.IntVar(&orgs, "orgs", 300, "number of organisations to generate")
		fs.BoolVar(&force, "force", false, "with --database-url: drop every Partnerhub table first")
	})
	if err != nil {
		return err
	}
	if orgs < 10 || orgs > 1_000_000 {
		return usageError{fmt.Errorf("--orgs must be between 10 and 1000000")}
	}
	if cfg.DatabaseURL == "" {
		// Reset: a demo always starts from an empty database file (not
		// while a restore is writing it).
		if err := m.lockData(cfg.DataDir); err != nil {
			return err
		}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(cfg.SQLitePath() + suffix); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	d, err := m.open(ctx, cfg)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL != "" {
		if err := testkit.ResetPostgres(ctx, d, force); err != nil {
			return err
		}
	}
	if _, err := d.Migrate(ctx); err != nil {
		return err
	}
	start := time.Now()
	key, err := secretkey.Load(cfg.DataDir, cfg.SecretKey)
	if err != nil {
		return err
	}
	res, err := testkit.Generate(ctx, d, testkit.Options{Seed: seed, Orgs: orgs, Hasher: accounts.ProductionHasher, Key: key})
	if err != nil {
		return err
	}
	where := cfg.SQLitePath()
	if cfg.DatabaseURL != "" {
		where = "the PostgreSQL database"
	}
	fmt.Fprintf(m.Stdout, "Demo town created in %s (%s, seed %d).\n\n", where, time.Since(start).Round(time.Millisecond), seed)
	fmt.Fprintln(m.Stdout, res.Summary())
	fmt.Fprintf(m.Stdout, "\nDemo logins (password for all: %s)\n", testkit.DemoPassword)
	for _, l := range res.Logins {
		fmt.Fprintf(m.Stdout, "  %-44s %s\n", l.Email, l.Role)
	}
	fmt.Fprintf(m.Stdout, "\nTwo-factor sign-in: %s ask for a code after the password.\n", strings.Join(testkit.DemoTwoFactor, " and "))
	fmt.Fprintf(m.Stdout, "  Add the key %s to an authenticator app (time-based, 6 digits, 30 s),\n", testkit.DemoTOTPSecret)
	fmt.Fprintf(m.Stdout, "  or print a current code: partnerhub user totp-code --email %s", testkit.DemoTwoFactor[0])
	if cfg.DatabaseURL == "" {
		fmt.Fprintf(m.Stdout, " --data-dir %s", cfg.DataDir)
	}
	fmt.Fprintln(m.Stdout)
	return nil
}

func (m *Main) user(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "totp-code" {
		return m.totpCode(ctx, args[1:])
	}
	if len(args) > 0 && (args[0] == "export" || args[0] == "erase") {
		return m.userPrivacy(ctx, args[0], args[1:])
	}
	if len(args) == 0 || args[0] != "create" {
		return usageError{errors.New("usage: partnerhub user create --email EMAIL [--name NAME] [--admin]\n       partnerhub user totp-code --email EMAIL\n       partnerhub user export --email EMAIL --out FILE.zip\n       partnerhub user erase --email EMAIL [--yes]")}
	}
	var email, name string
	var admin bool
	cfg, _, err := m.parse("user create", args[1:], (*config.Config).BindData, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email address (required)")
		fs.StringVar(&name, "name", "", "full name (defaults to the part of the email before @)")
		fs.BoolVar(&admin, "admin", false, "make the user a platform administrator")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return usageError{errors.New("--email is required")}
	}
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	pw, err := m.readPassword()
	if err != nil {
		return err
	}
	if err := accounts.ValidateSignup(name, email, pw); err != nil {
		return fmt.Errorf("%s", fieldMessages(err))
	}
	d, err := m.openCurrent(ctx, cfg)
	if err != nil {
		return err
	}
	h := accounts.ProductionHasher
	if cfg.PasswordCost == "test" {
		h = accounts.FastHasher
	}
	var u *accounts.User
	err = d.Write(ctx, func(tx *db.Tx) error {
		u, err = accounts.InsertUser(ctx, tx, h, name, email, pw, admin, true)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s", fieldMessages(err))
	}
	kind := "user"
	if admin {
		kind = "administrator"
	}
	fmt.Fprintf(m.Stdout, "created %s %s (id %d)\n", kind, u.Email, u.ID)
	return nil
}

// totpCode prints the code a user's authenticator app shows now, read from
// the secret in the database: for the demo's admin and assessor, and for
// operators who hold the server (anyone who can read the database can
// compute it anyway).
func (m *Main) totpCode(ctx context.Context, args []string) error {
	var email string
	cfg, _, err := m.parseKeyed("user totp-code", args, (*config.Config).BindData, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email address of a user with two-factor sign-in (required)")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return usageError{errors.New("--email is required")}
	}
	d, err := m.openCurrent(ctx, cfg)
	if err != nil {
		return err
	}
	key, err := secretkey.Load(cfg.DataDir, cfg.SecretKey)
	if err != nil {
		return err
	}
	code, err := accounts.CurrentTOTPCode(ctx, d.Q(), key, email, time.Now())
	if err != nil {
		return fmt.Errorf("%s", apperr.Message(err))
	}
	fmt.Fprintln(m.Stdout, code)
	return nil
}

func (m *Main) readPassword() (string, error) {
	if f, ok := m.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(m.Stderr, "Password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(m.Stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(m.Stderr, "Again: ")
		b2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(m.Stderr)
		if err != nil {
			return "", err
		}
		if string(b) != string(b2) {
			return "", errors.New("the passwords do not match")
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(m.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (m *Main) backup(ctx context.Context, args []string) error {
	var out string
	cfg, _, err := m.parse("backup", args, (*config.Config).BindData, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "file to write the backup to (required, must not exist)")
	})
	if err != nil {
		return err
	}
	if cfg.DatabaseURL != "" {
		return errors.New("for PostgreSQL use pg_dump, which takes a consistent online copy:\n  pg_dump --format=custom --file=partnerhub.dump \"$PARTNERHUB_DATABASE_URL\"\nand restore it with:\n  pg_restore --clean --if-exists --dbname=\"$PARTNERHUB_DATABASE_URL\" partnerhub.dump")
	}
	if out == "" {
		return usageError{errors.New("--out FILE is required")}
	}
	if _, err := os.Stat(cfg.SQLitePath()); err != nil {
		return fmt.Errorf("no database at %s", cfg.SQLitePath())
	}
	d, err := m.open(ctx, cfg)
	if err != nil {
		return err
	}
	res, err := backup.Create(ctx, d, cfg.UploadDir(), out, version())
	if err != nil {
		return err
	}
	schema := "empty"
	if n := len(res.Manifest.Schema); n > 0 {
		schema = res.Manifest.Schema[n-1]
	}
	fmt.Fprintf(m.Stdout, "backup written to %s (%d bytes: the database at schema %s and %d uploaded files)\nrestore it, with partnerhub stopped, by: partnerhub restore --from %s --data-dir %s\n",
		out, res.Bytes, schema, res.Uploads, out, cfg.DataDir)
	if len(res.Missing) > 0 {
		fmt.Fprintf(m.Stderr, "warning: %d files the database refers to are missing from %s (the archive has what the site has): %s\n",
			len(res.Missing), cfg.UploadDir(), strings.Join(res.Missing, ", "))
	}
	return nil
}

func (m *Main) restore(ctx context.Context, args []string) error {
	var from string
	cfg, _, err := m.parse("restore", args, (*config.Config).BindData, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "backup archive written by partnerhub backup (required)")
	})
	if err != nil {
		return err
	}
	if cfg.DatabaseURL != "" {
		return errors.New("restore is for the SQLite data directory; restore PostgreSQL with pg_restore (see the README)")
	}
	if from == "" {
		return usageError{errors.New("--from FILE is required")}
	}
	res, err := backup.Restore(ctx, from, cfg.DataDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "restored the backup of %s (Partnerhub %s): the database and %d uploaded files are in %s\n",
		res.Manifest.CreatedAt.Format(time.RFC3339), res.Manifest.Partnerhub, res.Uploads, cfg.DataDir)
	if res.Previous != "" {
		fmt.Fprintf(m.Stdout, "the data it replaced is in %s: delete it once the restored site is right (the retention job deletes it after %s)\n", res.Previous, config.FormatPeriod(cfg.RetentionPeriod("pre-restore")))
	}
	if len(res.Pending) > 0 {
		fmt.Fprintf(m.Stdout, "the backup's schema is older than this Partnerhub (%d migrations to apply): run partnerhub migrate --data-dir %s, or serve with --migrate\n", len(res.Pending), cfg.DataDir)
	}
	return nil
}

func (m *Main) jobs(ctx context.Context, args []string) error {
	if len(args) < 2 || args[0] != "run" {
		return usageError{errors.New("usage: partnerhub jobs run NAME")}
	}
	name := args[1]
	cfg, _, err := m.parseKeyed("jobs run", args[2:], (*config.Config).BindServe, nil)
	if err != nil {
		return err
	}
	a, err := m.openApp(ctx, cfg)
	if err != nil {
		return err
	}
	if err := a.Jobs.RunOnce(ctx, name); err != nil {
		return err
	}
	if note, err := a.Jobs.LastResult(ctx, name); err == nil && note != "" {
		fmt.Fprintf(m.Stdout, "job %s done: %s\n", name, note)
		return nil
	}
	fmt.Fprintf(m.Stdout, "job %s done\n", name)
	return nil
}

func (m *Main) config(args []string) error {
	cfg, _, err := m.parse("config", args, (*config.Config).BindServe, nil)
	if err != nil {
		return err
	}
	for _, kv := range cfg.Redacted() {
		fmt.Fprintf(m.Stdout, "%-31s %s\n", kv[0], kv[1])
	}
	return nil
}

// fieldMessages turns a validation error into plain lines for the terminal.
func fieldMessages(err error) string {
	fields := apperr.Fields(err)
	if len(fields) == 0 {
		return apperr.Message(err)
	}
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Field + ": " + f.Message)
	}
	return b.String()
}

func (m *Main) importCmd(ctx context.Context, args []string) error {
	var dry bool
	var classification, postcodes string
	cfg, _, pos, err := m.parseArgs("import", args, (*config.Config).BindData, func(fs *flag.FlagSet) {
		fs.BoolVar(&dry, "dry-run", false, "report what would change and write nothing")
		fs.StringVar(&classification, "classification", "", "charities: the Charity Commission's classification file (themes)")
		fs.StringVar(&postcodes, "postcodes", "", "charities, companies: keep only these postcode districts (FY1,FY2); default: the admin setting")
	})
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError{errors.New("usage: partnerhub import KIND FILE [--dry-run] [--postcodes FY1,FY2] [--classification FILE]")}
	}
	kind, file := pos[0], pos[1]
	if err := cfg.RequireSecretKey(); err != nil {
		return usageError{err}
	}
	a, err := m.openApp(ctx, cfg)
	if err != nil {
		return exitError{importing.ExitRefused, err}
	}
	fn, ok := a.Importers[kind]
	if !ok {
		return usageError{fmt.Errorf("unknown import kind %q (kinds: %s)", kind, strings.Join(a.ImportKinds(), ", "))}
	}
	// Every import kind ends the same way: its report, then the one exit
	// status rule (importing.ExitCode). A file refused whole prints only
	// why.
	ctx = importing.WithOptions(ctx, map[string]string{"classification": classification, "postcodes": postcodes})
	rep, err := fn(ctx, file, dry)
	if err == nil {
		if err := rep.Write(m.Stdout); err != nil {
			return err
		}
	}
	switch code := importing.ExitCode(rep, err); code {
	case importing.ExitAll:
		return nil
	case importing.ExitSome:
		done := "imported"
		if dry {
			done = "checked"
		}
		return exitError{code, fmt.Errorf("%d of %d rows were rejected (listed above); the other rows were %s", len(rep.Rejected), rep.Rows, done)}
	default:
		return exitError{code, err}
	}
}

// exitError ends a command with its own exit status (and err's message).
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }
