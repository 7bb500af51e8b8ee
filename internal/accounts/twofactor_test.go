package accounts_test

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

var (
	totpSecretRE = regexp.MustCompile(`id="totp-secret"[^>]*>([A-Z2-7 ]+)<`)
	recoveryRE   = regexp.MustCompile(`<code>([a-z2-9]{5}-[a-z2-9]{5})</code>`)
)

// enrolThroughPages sets two-factor sign-in up on the set-up page as the
// person would and returns the secret and the recovery codes shown.
func enrolThroughPages(t *testing.T, env *apptest.Env, c *apptest.Client) (string, []string) {
	t.Helper()
	res := c.Get("/account/two-factor/setup").Status(t, 200).Contains(t, "<svg", "<title", "Set up two-factor sign-in")
	m := totpSecretRE.FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatalf("the set-up page shows no key:\n%s", res.Body)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	// A wrong code keeps what was typed and turns nothing on.
	sent := url.Values{"code": {"000000"}, "next": {""}}
	if code, _ := accounts.TOTPCode(secret, time.Now()); code == "000000" {
		sent.Set("code", "111111")
	}
	c.PostForm("/account/two-factor/setup", sent).Status(t, 422).Contains(t, "The code is not correct").Kept(t, "/account/two-factor/setup", sent)
	code, err := accounts.TOTPCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res = c.PostForm("/account/two-factor/setup", url.Values{"code": {code}}).Status(t, 200).Contains(t, "Two-factor sign-in is on", "You will not see them again")
	var codes []string
	for _, m := range recoveryRE.FindAllStringSubmatch(res.Body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != accounts.RecoveryCodeCount {
		t.Fatalf("%d recovery codes shown, want %d", len(codes), accounts.RecoveryCodeCount)
	}
	return secret, codes
}

func userID(t *testing.T, env *apptest.Env, email string) int64 {
	t.Helper()
	u, err := accounts.UserByEmail(env.Ctx, env.DB.Q(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestTwoFactorEnrolAndSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("pat@example.org", false)
		c := env.As("pat@example.org")
		c.Get("/account").Status(t, 200).Contains(t, "Two-factor sign-in", `href="/account/two-factor"`)
		c.Get("/account/two-factor").Status(t, 200).Contains(t, "Set up two-factor sign-in")
		_, codes := enrolThroughPages(t, env, c)
		// Only hashes of the recovery codes are stored.
		var stored int
		if err := d.Q().QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM user_recovery_codes WHERE code_hash = $1`, codes[0]).Scan(&stored); err != nil || stored != 0 {
			t.Fatalf("a recovery code is stored in clear (%d, %v)", stored, err)
		}
		if auditCount(t, env, "user.two_factor_on") != 1 {
			t.Fatal("turning two-factor sign-in on was not audited")
		}

		// Signing in now asks for a code after the password; until it is
		// given, the session is nobody's.
		b := env.Anon()
		res := b.PostForm("/signin", url.Values{"email": {"pat@example.org"}, "password": {apptest.Password}, "next": {"/account"}}).Status(t, 303)
		if res.Location() != "/signin/two-factor?next=%2Faccount" {
			t.Fatalf("after the password: %s", res.Location())
		}
		b.Get("/account").Status(t, 303)
		b.Get("/signin/two-factor").Status(t, 200).Contains(t, "Enter your sign-in code", "Remember this device")
		b.PostForm("/signin/two-factor", url.Values{"code": {""}, "next": {"/account"}}).Status(t, 422).Contains(t, "Enter the 6-digit code")
		code := env.TOTPCode("pat@example.org")
		res = b.PostForm("/signin/two-factor", url.Values{"code": {code}, "next": {"/account"}}).Status(t, 303)
		if res.Location() != "/account" {
			t.Fatalf("after the code: %s", res.Location())
		}
		b.Get("/account").Status(t, 200)

		// The same code cannot sign in twice.
		e := env.Anon()
		e.PostForm("/signin", url.Values{"email": {"pat@example.org"}, "password": {apptest.Password}}).Status(t, 303)
		e.PostForm("/signin/two-factor", url.Values{"code": {code}}).Status(t, 422).Contains(t, "already been used")
		e.Get("/account").Status(t, 303)
	})
}

func TestTwoFactorWrongCodesThrottled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("pat@example.org", false)
		env.EnrolTOTP("pat@example.org")
		c := env.Anon()
		c.PostForm("/signin", url.Values{"email": {"pat@example.org"}, "password": {apptest.Password}}).Status(t, 303)
		right := env.TOTPCode("pat@example.org")
		wrong := "123456"
		if wrong == right {
			wrong = "654321"
		}
		for i := 0; i < 5; i++ {
			c.PostForm("/signin/two-factor", url.Values{"code": {wrong}}).Status(t, 422).Contains(t, "The code is not correct")
		}
		res := c.PostForm("/signin/two-factor", url.Values{"code": {right}}).Status(t, 429).Contains(t, "Too many wrong codes")
		if res.Header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
		c.Get("/account").Status(t, 303)
	})
}

func TestRecoveryCodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("pat@example.org", false)
		c := env.As("pat@example.org")
		_, codes := enrolThroughPages(t, env, c)

		signIn := func(code string) *apptest.Response {
			b := env.Anon()
			b.PostForm("/signin", url.Values{"email": {"pat@example.org"}, "password": {apptest.Password}}).Status(t, 303)
			return b.PostForm("/signin/two-factor", url.Values{"code": {code}})
		}
		// Typed in capitals with a space, it still works, once.
		res := signIn(strings.ToUpper(strings.Replace(codes[0], "-", " ", 1))).Status(t, 303)
		if res.Location() != "/home" {
			t.Fatalf("recovery code sign-in went to %s", res.Location())
		}
		signIn(codes[0]).Status(t, 422).Contains(t, "already been used")
		c.Get("/account/two-factor").Status(t, 200).Contains(t, "9 of 10")

		// New codes replace the old ones: an old one says it has expired.
		c.Get("/account/two-factor/recovery-codes").Status(t, 200).Contains(t, "Are you sure")
		res = c.PostForm("/account/two-factor/recovery-codes", nil).Status(t, 200).Contains(t, "New recovery codes")
		fresh := recoveryRE.FindAllStringSubmatch(res.Body, -1)
		if len(fresh) != accounts.RecoveryCodeCount {
			t.Fatalf("%d new codes", len(fresh))
		}
		signIn(codes[1]).Status(t, 422).Contains(t, "has expired")
		signIn(fresh[0][1]).Status(t, 303)
	})
}

func TestRememberedDevice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("pat@example.org", false)
		env.EnrolTOTP("pat@example.org")
		b := env.Anon()
		b.PostForm("/signin", url.Values{"email": {"pat@example.org"}, "password": {apptest.Password}}).Status(t, 303)
		b.PostForm("/signin/two-factor", url.Values{"code": {env.TOTPCode("pat@example.org")}, "remember": {"yes"}}).Status(t, 303)
		var hash string
		if err := d.Q().QueryRowContext(env.Ctx, `SELECT token_hash FROM remembered_devices`).Scan(&hash); err != nil || len(hash) != 64 {
			t.Fatalf("remembered device stored as %q (%v)", hash, err)
		}
		b.PostForm("/signout", nil).Status(t, 303)
		// The remembered browser skips the code; another browser does not.
		if res := b.PostForm("/signin", url.Values{"email": {"pat@example.org"}, "password": {apptest.Password}}).Status(t, 303); res.Location() != "/home" {
			t.Fatalf("remembered device was asked for a code: %s", res.Location())
		}
		b.Get("/account").Status(t, 200)
		if res := env.Anon().PostForm("/signin", url.Values{"email": {"pat@example.org"}, "password": {apptest.Password}}).Status(t, 303); !strings.HasPrefix(res.Location(), "/signin/two-factor") {
			t.Fatalf("a new browser skipped the code: %s", res.Location())
		}
		// Changing the password forgets remembered devices.
		b.PostForm("/account/password", url.Values{"current_password": {apptest.Password}, "password": {"a brand new passphrase"}}).Status(t, 303)
		b.PostForm("/signout", nil).Status(t, 303)
		if res := b.PostForm("/signin", url.Values{"email": {"pat@example.org"}, "password": {"a brand new passphrase"}}).Status(t, 303); !strings.HasPrefix(res.Location(), "/signin/two-factor") {
			t.Fatalf("the device was still remembered after a password change: %s", res.Location())
		}
	})
}

func TestAdminAreaNeedsSecondFactor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("boss@example.org", true)
		env.User("sam@example.org", false)
		env.User("pat@example.org", false)
		c := env.AsPasswordOnly("boss@example.org")
		for _, p := range []string{"/admin", "/admin/users", "/admin/audit", "/admin/frameworks"} {
			if res := c.Get(p).Status(t, 303); res.Location() != "/signin/two-factor?next="+url.QueryEscape(p) {
				t.Fatalf("GET %s without a second factor: %s", p, res.Location())
			}
		}
		sam := userID(t, env, "sam@example.org")
		c.PostForm("/admin/users/action", url.Values{"user": {strconv.FormatInt(sam, 10)}, "do": {"make_admin"}}).Status(t, 303)
		if u, err := accounts.UserByID(env.Ctx, d.Q(), sam); err != nil || u.IsAdmin {
			t.Fatalf("an admin action went through without a second factor (%v)", err)
		}
		c.GetAccept("/admin/users", "application/json").Status(t, 403)
		// Not enrolled: sent to set it up; the rest of the site still works.
		if res := c.Get("/signin/two-factor?next=%2Fadmin").Status(t, 303); res.Location() != "/account/two-factor/setup?next=%2Fadmin" {
			t.Fatalf("unenrolled admin sent to %s", res.Location())
		}
		c.Get("/account").Status(t, 200)
		c.Get("/home").Status(t, 200).Contains(t, "Set up two-factor sign-in", `href="/account/two-factor/setup"`)
		env.As("pat@example.org").Get("/home").Status(t, 200).NotContains(t, "Set up two-factor sign-in")
		// Enrolled, a code in this session opens the admin area.
		env.EnrolTOTP("boss@example.org")
		c.Get("/signin/two-factor?next=%2Fadmin").Status(t, 200).Contains(t, "This page needs two-factor sign-in")
		if res := c.PostForm("/signin/two-factor", url.Values{"code": {env.TOTPCode("boss@example.org")}, "next": {"/admin"}}).Status(t, 303); res.Location() != "/admin" {
			t.Fatalf("after the code: %s", res.Location())
		}
		c.Get("/admin").Status(t, 200)

		// Assessors: their review routes need it too; other people's do not.
		if _, err := d.W().ExecContext(env.Ctx, `INSERT INTO assess_assessors (user_id, appointed_at) VALUES ($1, $2)`, userID(t, env, "sam@example.org"), db.Now()); err != nil {
			t.Fatal(err)
		}
		if res := env.AsPasswordOnly("sam@example.org").Get("/review").Status(t, 303); res.Location() != "/signin/two-factor?next=%2Freview" {
			t.Fatalf("assessor without a second factor: %s", res.Location())
		}
		env.As("sam@example.org").Get("/review").Status(t, 200)
		env.AsPasswordOnly("pat@example.org").Get("/review").Status(t, 200)

		// Signing in through the forms as an admin with a code works.
		b := env.Anon()
		b.SignIn("boss@example.org", apptest.Password).Status(t, 303)
		b.Get("/admin").Status(t, 200)
	})
}

func TestReauthBeforeSensitiveChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("pat@example.org", false)
		env.EnrolTOTP("pat@example.org")
		c := env.AsPasswordOnly("pat@example.org")
		for _, p := range []string{"/account/password", "/account/email", "/account/two-factor/off", "/account/two-factor/recovery-codes"} {
			if res := c.Get(p).Status(t, 303); res.Location() != "/account/reauth?next="+url.QueryEscape(p) {
				t.Fatalf("GET %s without recent authentication: %s", p, res.Location())
			}
		}
		res := c.PostForm("/account/email", url.Values{"email": {"new@example.org"}, "current_password": {apptest.Password}}).Status(t, 303)
		if !strings.HasPrefix(res.Location(), "/account/reauth") {
			t.Fatalf("POST /account/email without recent authentication: %s", res.Location())
		}
		if n := auditCount(t, env, "user.email_change_request"); n != 0 {
			t.Fatal("email change requested without re-authentication")
		}
		c.Get("/account/reauth?next=%2Faccount%2Fpassword").Status(t, 200).Contains(t, `name="current_password"`, `name="code"`)
		sent := url.Values{"current_password": {apptest.Password}, "code": {""}, "next": {"/account/password"}}
		c.PostForm("/account/reauth", sent).Status(t, 422).Contains(t, "Enter the 6-digit code").Kept(t, "/account/reauth", sent, "current_password")
		sent.Set("code", env.TOTPCode("pat@example.org"))
		sent.Set("current_password", "not my password")
		c.PostForm("/account/reauth", sent).Status(t, 422).Contains(t, "not correct")
		sent.Set("current_password", apptest.Password)
		sent.Set("code", env.TOTPCode("pat@example.org"))
		if res := c.PostForm("/account/reauth", sent).Status(t, 303); res.Location() != "/account/password" {
			t.Fatalf("after re-authenticating: %s", res.Location())
		}
		c.Get("/account/password").Status(t, 200)
		c.PostForm("/account/email", url.Values{"email": {"new@example.org"}, "current_password": {apptest.Password}}).Status(t, 200)
		// Ten minutes later it is asked again.
		if _, err := d.W().ExecContext(env.Ctx, `UPDATE sessions SET reauth_at = $1`, db.Now().Add(-11*time.Minute)); err != nil {
			t.Fatal(err)
		}
		c.Get("/account/password").Status(t, 303)
	})
}

func TestAdminResetsSecondFactor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("boss@example.org", true)
		env.User("pat@example.org", false)
		env.EnrolTOTP("pat@example.org")
		pat := env.As("pat@example.org")
		id := userID(t, env, "pat@example.org")
		path := "/admin/users/" + strconv.FormatInt(id, 10) + "/two-factor/reset"
		env.As("pat@example.org").Get(path).Status(t, 403)
		a := env.As("boss@example.org")
		a.Get("/admin/users").Status(t, 200).Contains(t, path)
		a.Get(path).Status(t, 200).Contains(t, "Are you sure you want to reset pat", "pat@example.org")
		res := a.PostForm(path, nil).Status(t, 303)
		if !strings.HasPrefix(res.Location(), "/admin/users?q=") {
			t.Fatalf("after the reset: %s", res.Location())
		}
		tt, err := accounts.TOTPFor(env.Ctx, d.Q(), env.App.Accounts.Key, id)
		if err != nil || tt != nil {
			t.Fatalf("secret still there after the reset (%v)", err)
		}
		if auditCount(t, env, "user.two_factor_reset") != 1 {
			t.Fatal("the reset was not audited")
		}
		pat.Get("/account").Status(t, 303)
		if len(env.Outbox("pat@example.org")) == 0 {
			t.Fatal("the person was not told")
		}
		// Nothing left to reset: the page says so, with no button.
		a.Get(path).Status(t, 200).Contains(t, "nothing to reset").NotContains(t, `type="submit">Reset`)
	})
}
