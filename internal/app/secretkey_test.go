package app_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/app"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db/dbtest"
)

// Build itself refuses to run with no data directory and no
// PARTNERHUB_SECRET_KEY, whichever command calls it: it would seal the
// stored plain two-factor secrets with a key made up for this process,
// and they would be lost when it ends. The plain secret is left as it was.
func TestBuildNeedsALastingSecretKey(t *testing.T) {
	d := dbtest.SQLite(t)
	env := apptest.New(t, d)
	u := env.User("two@example.org", false)
	if _, err := d.W().ExecContext(t.Context(), `INSERT INTO user_totp (user_id, secret, created_at) VALUES ($1, $2, $3)`, u.ID, "JBSWY3DPEHPK3PXP", time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	cfg := apptest.Config()
	cfg.DataDir, cfg.SecretKey = "", ""
	_, err := app.Build(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), d)
	if err == nil || !strings.Contains(err.Error(), "PARTNERHUB_SECRET_KEY") {
		t.Errorf("Build with no data directory and no key: error %v, want one naming PARTNERHUB_SECRET_KEY", err)
	}
	var secret string
	if err := d.Q().QueryRowContext(t.Context(), `SELECT secret FROM user_totp WHERE user_id = $1`, u.ID).Scan(&secret); err != nil {
		t.Fatal(err)
	}
	if secret != "JBSWY3DPEHPK3PXP" {
		t.Errorf("the plain secret became %q: sealed with a throwaway key", secret)
	}
	cfg.SecretKey = strings.Repeat("ab", 32)
	if _, err := app.Build(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), d); err != nil {
		t.Errorf("Build with PARTNERHUB_SECRET_KEY and no data directory: %v", err)
	}
}
