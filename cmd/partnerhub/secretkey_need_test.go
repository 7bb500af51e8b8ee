package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/db/dbtest"
)

// TestSecretKeyIsAskedForOnlyWhereNeeded: with PostgreSQL and no data
// directory, the commands that seal or open two-factor secrets (serve,
// demo, user totp-code, and jobs and import, which build the app and so
// seal any plain secret) refuse to start without PARTNERHUB_SECRET_KEY,
// naming it; the others (config, migrate, audit verify, user create,
// export and erase, backup) never ask for it. On PostgreSQL migrate and
// audit verify run to the end; without it they fail to connect, for that
// reason only.
func TestSecretKeyIsAskedForOnlyWhereNeeded(t *testing.T) {
	url := "postgres://nobody@127.0.0.1:1/none?connect_timeout=2&sslmode=disable"
	real := false
	if base := dbtest.PostgresURL(t); base != "" {
		url, _ = dbtest.NewSchema(t, base)
		real = true
	}
	env := map[string]string{"PARTNERHUB_DATA_DIR": "", "PARTNERHUB_DATABASE_URL": url}
	runEnv := func(args ...string) (int, string) {
		p := newProgram(env, "Secret-password-1\n")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		code := p.Run(ctx, args)
		p.Close()
		return code, p.Err.String()
	}
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0"},
		{"demo", "--orgs", "10"},
		{"user", "totp-code", "--email", "a@example.org"},
		{"jobs", "run", "digest"},
		{"import", "orgs", "/nonexistent.csv"},
	} {
		code, stderr := runEnv(args...)
		if code != 2 || !strings.Contains(stderr, "PARTNERHUB_SECRET_KEY") || !strings.HasPrefix(stderr, "partnerhub "+args[0]) {
			t.Errorf("partnerhub %s with no data directory and no secret key: exit %d, %q; want exit 2 naming PARTNERHUB_SECRET_KEY", strings.Join(args, " "), code, stderr)
		}
	}
	for _, args := range [][]string{
		{"config"},
		{"migrate"},
		{"audit", "verify"},
		{"user", "create", "--email", "new@example.org"},
		{"user", "export", "--email", "new@example.org", "--out", t.TempDir() + "/x.zip"},
		{"user", "erase", "--email", "nobody@example.org", "--yes"},
		{"backup", "--out", t.TempDir() + "/x.tar.gz"},
	} {
		code, stderr := runEnv(args...)
		if strings.Contains(stderr, "SECRET_KEY") || code == 2 {
			t.Errorf("partnerhub %s with no data directory: exit %d, %q; it needs no secret key", strings.Join(args, " "), code, stderr)
		}
		want0 := args[0] == "config" || (real && (args[0] == "migrate" || args[0] == "audit"))
		if want0 && code != 0 {
			t.Errorf("partnerhub %s with no data directory: exit %d, %q; want 0", strings.Join(args, " "), code, stderr)
		}
	}
}
