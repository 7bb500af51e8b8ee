package accounts_test

import (
	"bytes"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/secretkey"
)

// Two-factor secrets are stored sealed with the server's key: after an
// enrolment through the pages neither the row nor (on SQLite) the database
// file or its WAL holds the secret, and signing in with a code still
// works. A secret stored plain before sealing existed is sealed by
// SealTOTPSecrets (start-up) and keeps working; another key opens nothing.
func TestTOTPSecretIsSealedAtRest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		u := env.User("sealed@example.org", false)
		secret, _ := enrolThroughPages(t, env, env.As("sealed@example.org"))
		var stored string
		if err := d.Q().QueryRowContext(env.Ctx, `SELECT secret FROM user_totp WHERE user_id = $1`, u.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(stored, "v1:") || strings.Contains(stored, secret) {
			t.Fatalf("stored secret %q is not sealed", stored)
		}
		if d.Dialect == db.SQLite {
			for _, f := range []string{d.SQLitePath(), d.SQLitePath() + "-wal"} {
				b, err := os.ReadFile(f)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				if bytes.Contains(b, []byte(secret)) {
					t.Errorf("%s holds the secret in clear", f)
				}
			}
		}
		signIn := func() {
			t.Helper()
			b := env.Anon()
			b.PostForm("/signin", url.Values{"email": {"sealed@example.org"}, "password": {apptest.Password}}).Status(t, 303)
			code, _ := accounts.TOTPCode(secret, time.Now().Add(30*time.Second)) // a step not used yet
			if res := b.PostForm("/signin/two-factor", url.Values{"code": {code}, "next": {"/account"}}).Status(t, 303); res.Location() != "/account" {
				t.Fatalf("sign-in with the code: %s", res.Location())
			}
		}
		signIn()

		// Another key (a lost secret.key) reads nothing, and says why.
		if _, err := accounts.TOTPFor(env.Ctx, d.Q(), secretkey.Random(), u.ID); !apperr.Is(err, apperr.EUNAVAILABLE) {
			t.Errorf("another key: %v", err)
		}

		// The upgrade: a plain secret from before sealing.
		if _, err := d.W().ExecContext(env.Ctx, `UPDATE user_totp SET secret = $1, last_step = 0 WHERE user_id = $2`, secret, u.ID); err != nil {
			t.Fatal(err)
		}
		n, err := accounts.SealTOTPSecrets(env.Ctx, d, env.App.Accounts.Key)
		if err != nil || n != 1 {
			t.Fatalf("sealed %d, %v", n, err)
		}
		if err := d.Q().QueryRowContext(env.Ctx, `SELECT secret FROM user_totp WHERE user_id = $1`, u.ID).Scan(&stored); err != nil || !secretkey.Sealed(stored) {
			t.Fatalf("after the upgrade: %q %v", stored, err)
		}
		if n, _ := accounts.SealTOTPSecrets(env.Ctx, d, env.App.Accounts.Key); n != 0 {
			t.Errorf("a second run sealed %d again", n)
		}
		signIn()
	})
}
