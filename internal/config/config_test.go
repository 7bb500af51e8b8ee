package config

import (
	"flag"
	"strings"
	"testing"
	"time"
)

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestEnvAndValidation(t *testing.T) {
	c := Default()
	if err := c.FromEnv(lookup(map[string]string{"PARTNERHUB_ADDR": ":9000", "PARTNERHUB_TRUST_PROXY": "true", "PARTNERHUB_SESSION_TTL": "2h"})); err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9000" || !c.TrustProxy || c.SessionTTL.Hours() != 2 {
		t.Fatalf("env not applied: %+v", c)
	}
	if c.ProxyHops != 1 {
		t.Errorf("trusted proxy hops default %d, want 1", c.ProxyHops)
	}
	if err := c.FromEnv(lookup(map[string]string{"PARTNERHUB_TRUSTED_PROXY_HOPS": "2"})); err != nil || c.ProxyHops != 2 {
		t.Errorf("PARTNERHUB_TRUSTED_PROXY_HOPS=2: hops %d, err %v", c.ProxyHops, err)
	}
	for _, bad := range []map[string]string{{"PARTNERHUB_TRUSTED_PROXY_HOPS": "0"}, {"PARTNERHUB_JOBS": "maybe"}, {"PARTNERHUB_MAX_BODY_BYTES": "-1"}, {"PARTNERHUB_SESSION_TTL": "forever"}} {
		c := Default()
		if err := c.FromEnv(lookup(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	c = Default()
	c.DatabaseURL = "mysql://x"
	if err := c.Validate(); err == nil {
		t.Error("mysql URL accepted")
	}
	c = Default()
	c.DatabasePooler = "session"
	if err := c.Validate(); err == nil {
		t.Error("database pooler session accepted (only transaction pooling needs a setting)")
	}
	c = Default()
	c.BaseURL = "localhost:8080"
	if err := c.Validate(); err == nil {
		t.Error("relative base URL accepted")
	}
	// PostgreSQL with no data directory: the secret key must come from the
	// environment, or each process would seal with a key of its own.
	// RequireSecretKey says so (the commands that use the key call it);
	// Validate, for every command, does not.
	c = Default()
	c.DatabaseURL, c.DataDir = "postgres://db/partnerhub", ""
	if err := c.Validate(); err != nil {
		t.Errorf("no data directory and no secret key refused by Validate: %v", err)
	}
	if err := c.RequireSecretKey(); err == nil || !strings.Contains(err.Error(), "PARTNERHUB_SECRET_KEY") {
		t.Errorf("no data directory and no secret key: %v", err)
	}
	c.SecretKey = strings.Repeat("ab", 32)
	if err := c.RequireSecretKey(); err != nil {
		t.Errorf("no data directory with PARTNERHUB_SECRET_KEY: %v", err)
	}
	c = Default()
	if err := c.RequireSecretKey(); err != nil {
		t.Errorf("a data directory (its secret.key) and no PARTNERHUB_SECRET_KEY: %v", err)
	}
}

func TestRedacted(t *testing.T) {
	c := Default()
	c.DatabaseURL = "postgres://app:s3cret@db:5432/ph?sslmode=require&password=other"
	c.SMTPURL = "smtp://mailer:hunter2@smtp.example:587"
	var all strings.Builder
	for _, kv := range c.Redacted() {
		all.WriteString(kv[0] + "=" + kv[1] + "\n")
	}
	for _, secret := range []string{"s3cret", "hunter2", "other"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("secret %q printed:\n%s", secret, all.String())
		}
	}
	if !strings.Contains(all.String(), "app:REDACTED@db") {
		t.Errorf("user name lost:\n%s", all.String())
	}
}

func TestRetentionPeriodsFromEnvAndFlags(t *testing.T) {
	c := Default()
	if got := c.RetentionPeriod("sessions"); got != 7*Day {
		t.Errorf("sessions default %v, want 7 days", got)
	}
	if err := c.FromEnv(lookup(map[string]string{"PARTNERHUB_RETAIN_OUTBOX_BODIES": "10d", "PARTNERHUB_RETAIN_THROTTLE": "2h"})); err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.BindServe(fs)
	if err := fs.Parse([]string{"--retain-sessions", "36h", "--retain-uploads=90d"}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]time.Duration{"outbox-bodies": 10 * Day, "throttle": 2 * time.Hour, "sessions": 36 * time.Hour, "uploads": 90 * Day, "tokens": 7 * Day} {
		if got := c.RetentionPeriod(name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []map[string]string{{"PARTNERHUB_RETAIN_SESSIONS": "a week"}, {"PARTNERHUB_RETAIN_TOKENS": "-3d"}} {
		c := Default()
		if err := c.FromEnv(lookup(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	// Bounds: throttling records must outlive the throttling window; an
	// unconfirmed account must outlive its confirmation link; a preview
	// file, the preview.
	for name, v := range map[string]string{"throttle": "30m", "unverified-accounts": "1d", "import-uploads": "12h"} {
		c := Default()
		if err := c.FromEnv(lookup(map[string]string{RetentionEnv(name): v})); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--retain-"+name) {
			t.Errorf("%s=%s: validation error %v, want one naming --retain-%s", name, v, err, name)
		}
	}
	c = Default()
	c.Retention["throttle"] = 2 * Day
	if err := c.Validate(); err == nil {
		t.Error("throttle records kept longer than sign-in keeps them accepted")
	}
}

func TestRetentionInRedactedConfig(t *testing.T) {
	c := Default()
	c.Retention["outbox"] = 90 * Day
	found := false
	for _, kv := range c.Redacted() {
		if kv[0] == "retain_outbox" {
			found = kv[1] == "90d"
		}
	}
	if !found {
		t.Errorf("retain_outbox=90d missing from %v", c.Redacted())
	}
}
