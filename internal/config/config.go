// Package config holds Partnerhub's one typed configuration, read from
// PARTNERHUB_* environment variables and then command-line flags.
package config

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the effective configuration of a partnerhub process.
type Config struct {
	Addr         string        // listen address for serve
	MetricsAddr  string        // separate listen address for /metrics without sign-in; empty: none
	DataDir      string        // where the SQLite file, uploads and backups live
	DatabaseURL  string        // postgres://… to use PostgreSQL; empty for embedded SQLite
	BaseURL      string        // public URL used in emails and feeds
	SMTPURL      string        // smtp://user:pass@host:port; empty keeps mail in the outbox and log
	MailFrom     string        // From address of outgoing mail
	LogLevel     string        // debug, info, warn, error
	LogFormat    string        // text or json
	TrustProxy   bool          // honour X-Forwarded-For / X-Forwarded-Proto
	ProxyHops    int           // trusted proxies appending to X-Forwarded-For: the client is that many from the right
	SecureCookie bool          // force Secure + __Host- cookies even without TLS
	Migrate      bool          // apply pending migrations at serve start-up
	Jobs         bool          // run the background job scheduler in this process
	MaxBodyBytes int64         // request body limit
	SessionTTL   time.Duration // how long an idle session lives
	// PasswordCost lowers argon2id memory for tests and the demo generator
	// ("test"); empty means the production parameters.
	PasswordCost string
	// CheckViews (tests: PARTNERHUB_CHECK_VIEWS=1) logs, as an error, each
	// field a page's template reads that its view struct lacks, checked on
	// every branch when the page is first rendered with that type.
	CheckViews bool
	// DatabasePooler is "transaction" when the database URL leads to a
	// pooler in transaction pooling mode (PgBouncer); "none" otherwise.
	DatabasePooler string
	// Retention is each retention period by setting name
	// (RetentionSettings); a missing entry is the setting's default.
	Retention map[string]time.Duration
	// SecretKey (PARTNERHUB_SECRET_KEY, 64 hex digits; environment only)
	// replaces the data directory's secret.key, the key that encrypts
	// two-factor secrets (internal/secretkey).
	SecretKey string
}

// Default returns the defaults before environment and flags.
func Default() Config {
	return Config{
		Addr:         ":8080",
		DataDir:      "./partnerhub-data",
		BaseURL:      "http://localhost:8080",
		MailFrom:     "Partnerhub <no-reply@partnerhub.localhost>",
		LogLevel:     "info",
		LogFormat:    "text",
		Jobs:         true,
		ProxyHops:    1,
		MaxBodyBytes: 10 << 20,
		SessionTTL:   14 * 24 * time.Hour,
		Retention:    defaultRetention(),
	}
}

// env names for each setting.
var envNames = map[string]string{
	"addr":           "PARTNERHUB_ADDR",
	"metrics-addr":   "PARTNERHUB_METRICS_ADDR",
	"data-dir":       "PARTNERHUB_DATA_DIR",
	"secret-key":     "PARTNERHUB_SECRET_KEY",
	"database-url":   "PARTNERHUB_DATABASE_URL",
	"pooler":         "PARTNERHUB_DATABASE_POOLER",
	"base-url":       "PARTNERHUB_BASE_URL",
	"smtp-url":       "PARTNERHUB_SMTP_URL",
	"mail-from":      "PARTNERHUB_MAIL_FROM",
	"log-level":      "PARTNERHUB_LOG_LEVEL",
	"log-format":     "PARTNERHUB_LOG_FORMAT",
	"trust-proxy":    "PARTNERHUB_TRUST_PROXY",
	"proxy-hops":     "PARTNERHUB_TRUSTED_PROXY_HOPS",
	"secure-cookies": "PARTNERHUB_SECURE_COOKIES",
	"migrate":        "PARTNERHUB_MIGRATE",
	"jobs":           "PARTNERHUB_JOBS",
	"max-body-bytes": "PARTNERHUB_MAX_BODY_BYTES",
	"session-ttl":    "PARTNERHUB_SESSION_TTL",
}

// BindData registers the flags every data-touching subcommand shares.
func (c *Config) BindData(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory for the embedded SQLite database and uploads ("+envNames["data-dir"]+")")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "postgres:// URL; empty uses SQLite in the data directory ("+envNames["database-url"]+")")
	fs.StringVar(&c.DatabasePooler, "database-pooler", c.DatabasePooler, "transaction when the database URL leads to PgBouncer (or another pooler) in transaction pooling mode; none otherwise ("+envNames["pooler"]+")")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error ("+envNames["log-level"]+")")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json ("+envNames["log-format"]+")")
}

// BindServe registers the flags of the serve subcommand.
func (c *Config) BindServe(fs *flag.FlagSet) {
	c.BindData(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address ("+envNames["addr"]+")")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "separate listen address serving only /metrics to anyone who can reach it, e.g. 127.0.0.1:9090; empty: none, and /metrics on the main address is for admins only ("+envNames["metrics-addr"]+")")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public base URL used in emails and feeds ("+envNames["base-url"]+")")
	fs.StringVar(&c.SMTPURL, "smtp-url", c.SMTPURL, "smtp://user:pass@host:port for outgoing mail; empty logs mail and keeps it in the outbox ("+envNames["smtp-url"]+")")
	fs.StringVar(&c.MailFrom, "mail-from", c.MailFrom, "From address of outgoing mail ("+envNames["mail-from"]+")")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", c.TrustProxy, "trust X-Forwarded-For and X-Forwarded-Proto ("+envNames["trust-proxy"]+")")
	fs.IntVar(&c.ProxyHops, "trusted-proxy-hops", c.ProxyHops, "with --trust-proxy, how many proxies in front of this server append to X-Forwarded-For ("+envNames["proxy-hops"]+")")
	fs.BoolVar(&c.SecureCookie, "secure-cookies", c.SecureCookie, "always mark cookies Secure with the __Host- prefix ("+envNames["secure-cookies"]+")")
	fs.BoolVar(&c.Migrate, "migrate", c.Migrate, "apply pending database migrations before serving ("+envNames["migrate"]+")")
	fs.BoolVar(&c.Jobs, "jobs", c.Jobs, "run background jobs (mail sender, reminders) in this process ("+envNames["jobs"]+")")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest accepted request body in bytes ("+envNames["max-body-bytes"]+")")
	fs.DurationVar(&c.SessionTTL, "session-ttl", c.SessionTTL, "idle lifetime of a signed-in session ("+envNames["session-ttl"]+")")
	c.bindRetention(fs)
}

// FromEnv applies PARTNERHUB_* variables found in lookup (os.LookupEnv in
// production) on top of c. Bad values are reported, not ignored.
func (c *Config) FromEnv(lookup func(string) (string, bool)) error {
	get := func(k string) (string, bool) { return lookup(envNames[k]) }
	str := func(k string, dst *string) {
		if v, ok := get(k); ok {
			*dst = v
		}
	}
	var err error
	boolean := func(k string, dst *bool) {
		if v, ok := get(k); ok && err == nil {
			b, e := strconv.ParseBool(v)
			if e != nil {
				err = fmt.Errorf("%s: %q is not true or false", envNames[k], v)
			}
			*dst = b
		}
	}
	str("addr", &c.Addr)
	str("metrics-addr", &c.MetricsAddr)
	str("data-dir", &c.DataDir)
	str("secret-key", &c.SecretKey)
	str("database-url", &c.DatabaseURL)
	str("pooler", &c.DatabasePooler)
	str("base-url", &c.BaseURL)
	str("smtp-url", &c.SMTPURL)
	str("mail-from", &c.MailFrom)
	str("log-level", &c.LogLevel)
	str("log-format", &c.LogFormat)
	boolean("trust-proxy", &c.TrustProxy)
	boolean("secure-cookies", &c.SecureCookie)
	boolean("migrate", &c.Migrate)
	boolean("jobs", &c.Jobs)
	if v, ok := get("max-body-bytes"); ok && err == nil {
		n, e := strconv.ParseInt(v, 10, 64)
		if e != nil || n <= 0 {
			err = fmt.Errorf("%s: %q is not a positive number of bytes", envNames["max-body-bytes"], v)
		}
		c.MaxBodyBytes = n
	}
	if v, ok := get("proxy-hops"); ok && err == nil {
		n, e := strconv.Atoi(v)
		if e != nil || n < 1 {
			err = fmt.Errorf("%s: %q is not a number of proxies (1 or more)", envNames["proxy-hops"], v)
		}
		c.ProxyHops = n
	}
	if v, ok := get("session-ttl"); ok && err == nil {
		d, e := time.ParseDuration(v)
		if e != nil || d <= 0 {
			err = fmt.Errorf("%s: %q is not a duration such as 336h", envNames["session-ttl"], v)
		}
		c.SessionTTL = d
	}
	if err == nil {
		err = c.retentionFromEnv(lookup)
	}
	return err
}

// Validate checks values that flags cannot type.
func (c *Config) Validate() error {
	if c.DatabaseURL != "" && !IsPostgresURL(c.DatabaseURL) {
		return fmt.Errorf("database URL must start with postgres:// or postgresql://")
	}
	switch c.DatabasePooler {
	case "", "none", "transaction":
	default:
		return fmt.Errorf("database pooler %q must be none or transaction", c.DatabasePooler)
	}
	if c.DatabaseURL == "" && strings.TrimSpace(c.DataDir) == "" {
		return fmt.Errorf("a data directory is needed when no database URL is given")
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("base URL %q must be an absolute http(s) URL", c.BaseURL)
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			return fmt.Errorf("SMTP URL must look like smtp://user:password@host:587")
		}
	}
	if c.ProxyHops < 1 {
		return fmt.Errorf("trusted proxy hops %d must be 1 or more", c.ProxyHops)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log level %q must be debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("log format %q must be text or json", c.LogFormat)
	}
	return c.validateRetention()
}

// RequireSecretKey is for the commands that seal or open two-factor
// secrets (serve, demo, user totp-code, and jobs and import, which build
// the app and so seal any secret stored plain): with no data directory
// (PostgreSQL) the key must come from PARTNERHUB_SECRET_KEY, or each
// process would make up its own and the secrets sealed by one could not be
// read by the next. Validate does not check it: the other commands
// (migrate, config, audit verify, user create/export/erase, backup) never
// use the key and run without it. app.Build checks it as well, so that a
// command that builds the app cannot forget it.
func (c *Config) RequireSecretKey() error {
	if strings.TrimSpace(c.DataDir) == "" && strings.TrimSpace(c.SecretKey) == "" {
		return fmt.Errorf("with no data directory, set PARTNERHUB_SECRET_KEY (64 hexadecimal digits, for example from: openssl rand -hex 32): this command seals or opens two-factor secrets with it, and they must outlive the process")
	}
	return nil
}

// IsPostgresURL reports whether u names a PostgreSQL database.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// SQLitePath is the database file inside the data directory.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "partnerhub.db") }

// UploadDir is where uploaded files are kept.
func (c *Config) UploadDir() string { return filepath.Join(c.DataDir, "uploads") }

// Redacted returns the config as ordered key/value lines with secrets hidden.
func (c *Config) Redacted() [][2]string {
	return append([][2]string{
		{"addr", c.Addr},
		{"metrics_addr", c.MetricsAddr},
		{"data_dir", c.DataDir},
		{"database_url", redactURL(c.DatabaseURL)},
		{"database_pooler", c.DatabasePooler},
		{"base_url", c.BaseURL},
		{"smtp_url", redactURL(c.SMTPURL)},
		{"mail_from", c.MailFrom},
		{"log_level", c.LogLevel},
		{"log_format", c.LogFormat},
		{"trust_proxy", strconv.FormatBool(c.TrustProxy)},
		{"trusted_proxy_hops", strconv.Itoa(c.ProxyHops)},
		{"secure_cookies", strconv.FormatBool(c.SecureCookie)},
		{"migrate", strconv.FormatBool(c.Migrate)},
		{"jobs", strconv.FormatBool(c.Jobs)},
		{"max_body_bytes", strconv.FormatInt(c.MaxBodyBytes, 10)},
		{"session_ttl", c.SessionTTL.String()},
		{"secret_key", redactSecret(c.SecretKey)},
	}, c.redactedRetention()...)
}

func redactURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable, hidden)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "REDACTED")
		}
	}
	q := u.Query()
	for k := range q {
		if strings.Contains(strings.ToLower(k), "pass") {
			q.Set(k, "REDACTED")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// OSLookup is os.LookupEnv, for FromEnv.
var OSLookup = os.LookupEnv

func redactSecret(s string) string {
	if s == "" {
		return ""
	}
	return "(set)"
}
