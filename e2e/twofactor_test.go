package e2e

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/secretkey"
)

// secondStep completes the second step of a sign-in when the server asks
// for one: the code page gets a code computed from the user's secret (read
// from the server's SQLite file in dataDir, like mailTo reads the outbox);
// the set-up page an admin or assessor without two-factor sign-in is sent
// to is completed with the key it shows, and its recovery codes page left.
func secondStep(t testing.TB, ctx context.Context, dataDir, email string) {
	t.Helper()
	switch location(t, ctx).Path {
	case "/signin/two-factor":
		// The code is for the oldest step the server accepts, so on a
		// loaded machine it can expire between computing and submitting
		// it; the server then answers with the form again and a fresh code
		// is tried (at most three times; a wrong code changes nothing).
		for try := 1; ; try++ {
			fill(t, ctx, "code", totpCode(t, dataDir, email))
			st := submit(t, ctx, `main form[action="/signin/two-factor"] button[type=submit]`)
			if st == http.StatusOK && location(t, ctx).Path != "/signin/two-factor" {
				break
			}
			if try == 3 || st >= 500 || location(t, ctx).Path != "/signin/two-factor" {
				t.Fatalf("sign-in code for %s: status %d after %d tries: %s", email, st, try, text(t, ctx, "main"))
			}
			phaseAdd("totp code expired, tried again", 0, nil)
		}
	case "/account/two-factor/setup":
		secret := strings.ReplaceAll(text(t, ctx, "#totp-secret"), " ", "")
		code, err := accounts.TOTPCode(secret, time.Now())
		if err != nil {
			t.Fatalf("the set-up page's key %q: %v", secret, err)
		}
		fill(t, ctx, "code", code)
		if st := submit(t, ctx, `main form[action="/account/two-factor/setup"] button[type=submit]`); st != http.StatusOK {
			t.Fatalf("set up two-factor sign-in for %s: status %d: %s", email, st, text(t, ctx, "main"))
		}
		if st := submit(t, ctx, `main a#codes-saved`); st != http.StatusOK {
			t.Fatalf("leave the recovery codes page: status %d", st)
		}
	}
}

// totpCode is a code of email's authenticator that the server has not
// seen used: the first step after the last one used, within the step
// either side of now that the server accepts (waiting for the clock when
// the user has signed in that often in the last minute).
func totpCode(t testing.TB, dataDir, email string) string {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "partnerhub.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var secret string
	var uid, last int64
	if err := d.QueryRow(`SELECT t.user_id, t.secret, t.last_step FROM user_totp t JOIN users u ON u.id = t.user_id WHERE u.email = $1`, strings.ToLower(email)).Scan(&uid, &secret, &last); err != nil {
		t.Fatalf("two-factor secret of %s: %v", email, err)
	}
	// Stored sealed with the data directory's key.
	key, err := secretkey.Load(dataDir, "")
	if err == nil {
		secret, err = accounts.OpenTOTPSecret(key, uid, secret)
	}
	if err != nil {
		t.Fatalf("two-factor secret of %s: %v", email, err)
	}
	step := max(accounts.TOTPStep(time.Now())-1, last+1)
	waited := time.Now()
	for accounts.TOTPStep(time.Now())+1 < step {
		time.Sleep(time.Second)
	}
	phaseAdd("totp clock wait", time.Since(waited), nil)
	code, err := accounts.TOTPCode(secret, time.Unix(step*30, 0))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// TestTwoFactorJourney: a person switches two-factor sign-in on from their
// account page (QR code and key, a wrong code first), keeps their recovery
// codes, signs out, and signs in again with the password and then a code;
// a wrong code is refused with the form kept. An admin without a second
// factor is sent to set it up before the admin area. Every new page is
// checked with axe-core.
func TestTwoFactorJourney(t *testing.T) {
	t.Parallel()
	s := app(t)
	var c jrChecked
	u := jrUnique()
	person, admin := "tf-person-"+u+"@example.org", "tf-admin-"+u+"@example.org"
	createUser(t, person, false)
	createUser(t, admin, true)

	ctx := jrSignedIn(t, person)
	jrOK(t, ctx, "GET /account", visit(t, ctx, "/account"))
	jrOK(t, ctx, "two-factor link", submit(t, ctx, `main a[href="/account/two-factor"]`))
	c.page(t, ctx, "two-factor sign-in (off)")
	jrOK(t, ctx, "set up link", submit(t, ctx, `main a[href="/account/two-factor/setup"]`))
	c.page(t, ctx, "set up two-factor sign-in")
	if n := count(t, ctx, "main svg.ph-qr title"); n != 1 {
		t.Errorf("the set-up page has %d titled QR codes, want 1", n)
	}
	secret := strings.ReplaceAll(text(t, ctx, "#totp-secret"), " ", "")
	right, _ := accounts.TOTPCode(secret, time.Now())
	wrong := "000000"
	if right == wrong {
		wrong = "111111"
	}
	fill(t, ctx, "code", wrong)
	if st := submit(t, ctx, `main form[action="/account/two-factor/setup"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Errorf("a wrong set-up code: status %d, want 422", st)
	}
	c.page(t, ctx, "set up two-factor sign-in with an error")
	if !summaryLinks(t, ctx)["#code"] {
		t.Error("the error summary does not link to the code field")
	}
	code, _ := accounts.TOTPCode(secret, time.Now())
	fill(t, ctx, "code", code)
	jrOK(t, ctx, "turn on", submit(t, ctx, `main form[action="/account/two-factor/setup"] button[type=submit]`))
	c.page(t, ctx, "recovery codes")
	if n := count(t, ctx, "main .ph-recovery-codes li"); n != 10 {
		t.Errorf("%d recovery codes shown, want 10", n)
	}
	jrOK(t, ctx, "codes saved", submit(t, ctx, `main a#codes-saved`))
	c.page(t, ctx, "two-factor sign-in (on)")
	signOut(t, ctx)

	// Signing in again asks for a code after the password.
	jrOK(t, ctx, "GET /signin", visit(t, ctx, "/signin"))
	fill(t, ctx, "email", person, "password", Password)
	jrOK(t, ctx, "password", submit(t, ctx, `main form[action="/signin"] button[type=submit]`))
	if p := location(t, ctx).Path; p != "/signin/two-factor" {
		t.Fatalf("after the password the browser is at %s, want the code page", p)
	}
	c.page(t, ctx, "sign-in code")
	fill(t, ctx, "code", "12345x")
	if st := submit(t, ctx, `main form[action="/signin/two-factor"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Errorf("a wrong sign-in code: status %d, want 422", st)
	}
	c.page(t, ctx, "sign-in code with an error")
	if v := text(t, ctx, "main .ph-error-summary"); !strings.Contains(v, "not correct") {
		t.Errorf("the error summary says %q", v)
	}
	secondStep(t, ctx, s.DataDir, person)
	if count(t, ctx, `form[action="/signout"]`) != 1 {
		t.Fatalf("not signed in after the code: %s", text(t, ctx, "main"))
	}

	// Re-authentication before changing the password (the sign-in just
	// now counts for ten minutes, so turning it off asks nothing more).
	jrOK(t, ctx, "GET /account/two-factor/off", visit(t, ctx, "/account/two-factor/off"))
	c.page(t, ctx, "turn off two-factor sign-in")

	// An admin without a second factor is offered the set-up at sign-in,
	// and the admin area sends them there too.
	adm := newTab(t)
	jrOK(t, adm, "GET /signin", visit(t, adm, "/signin"))
	fill(t, adm, "email", admin, "password", Password)
	jrOK(t, adm, "admin password", submit(t, adm, `main form[action="/signin"] button[type=submit]`))
	if p := location(t, adm).Path; p != "/account/two-factor/setup" {
		t.Fatalf("a new admin landed on %s, want the two-factor set-up", p)
	}
	jrOK(t, adm, "GET /admin", visit(t, adm, "/admin"))
	if p := location(t, adm).Path; p != "/account/two-factor/setup" {
		t.Fatalf("the admin area let an admin without a second factor in (at %s)", p)
	}
	c.page(t, adm, "set up two-factor sign-in (required)")
	secondStep(t, adm, s.DataDir, admin)
	if p := location(t, adm).Path; p != "/admin" {
		t.Fatalf("after setting up two-factor sign-in the admin is at %s, want /admin", p)
	}
	c.page(t, adm, "admin home after two-factor set-up")
}
