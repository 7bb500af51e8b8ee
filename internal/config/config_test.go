package config

import (
	"strings"
	"testing"
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
