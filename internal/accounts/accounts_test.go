package accounts_test

import (
	"net/url"
	"regexp"
	"sync/atomic"
	"testing"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

var tokenRe = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// mailedToken is the token in the one mail, of kind, queued for to.
func mailedToken(t *testing.T, env *apptest.Env, to, kind string) string {
	t.Helper()
	msgs := env.Outbox(to)
	if len(msgs) != 1 || msgs[0].Kind != kind {
		t.Fatalf("want one %s mail to %s, got %+v", kind, to, msgs)
	}
	return tokenRe.FindStringSubmatch(msgs[0].Body)[1]
}

func TestSignupVerifySignin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		anon := env.Anon()
		// Bad input keeps what was typed and links errors to fields.
		res := anon.PostForm("/signup", url.Values{"name": {"Jo Bloggs"}, "email": {"not-an-email"}, "password": {"password"}})
		res.Status(t, 422).Contains(t, `href="#email"`, `href="#password"`, `value="Jo Bloggs"`)

		res = anon.PostForm("/signup", url.Values{"name": {"Jo Bloggs"}, "email": {"Jo@Example.org"}, "password": {"seaside donkey lantern"}})
		res.Status(t, 200).Contains(t, "Check your email")
		// Unverified accounts cannot sign in yet.
		anon.PostForm("/signin", url.Values{"email": {"jo@example.org"}, "password": {"seaside donkey lantern"}}).Status(t, 403)

		tok := mailedToken(t, env, "jo@example.org", "verify")
		anon.Get("/verify?token="+tok).Status(t, 200).Contains(t, "Confirm my email address")
		anon.PostForm("/verify", url.Values{"token": {tok}}).Status(t, 303)
		// Single use.
		anon.PostForm("/verify", url.Values{"token": {tok}}).Status(t, 400)

		res = anon.PostForm("/signin", url.Values{"email": {"jo@example.org"}, "password": {"wrong password here"}})
		res.Status(t, 401).Contains(t, "Enter a correct email address and password")
		res = anon.PostForm("/signin", url.Values{"email": {"jo@example.org"}, "password": {"seaside donkey lantern"}, "next": {"//evil.example"}})
		if res.Status(t, 303).Location() != "/home" {
			t.Fatalf("open redirect: %s", res.Location())
		}
		anon.Get("/account").Status(t, 200).Contains(t, "jo@example.org")
		anon.PostForm("/signout", nil).Status(t, 303)
		if anon.Get("/account").Code != 303 {
			t.Fatal("still signed in after sign-out")
		}
	})
}

func TestSignupWithExistingEmailLooksTheSame(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("taken@example.org", false)
		res := env.Anon().PostForm("/signup", url.Values{"name": {"X"}, "email": {"taken@example.org"}, "password": {"seaside donkey lantern"}})
		res.Status(t, 200).Contains(t, "Check your email")
		msgs := env.Outbox("taken@example.org")
		if len(msgs) != 1 || msgs[0].Kind != "signup_exists" {
			t.Fatalf("want a notice to the owner, got %+v", msgs)
		}
	})
}

func TestSigninThrottle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("victim@example.org", false)
		c := env.Anon()
		for i := 0; i < 5; i++ {
			c.PostForm("/signin", url.Values{"email": {"victim@example.org"}, "password": {"guess number " + string(rune('a'+i))}}).Status(t, 401)
		}
		// Even the right password is refused while throttled.
		c.PostForm("/signin", url.Values{"email": {"victim@example.org"}, "password": {apptest.Password}}).Status(t, 429).Contains(t, "Too many failed sign-in attempts")
		// Unknown emails answer the same way as known ones.
		c.PostForm("/signin", url.Values{"email": {"nobody@example.org"}, "password": {"whatever it is"}}).Status(t, 401).Contains(t, "Enter a correct email address and password")
	})
}

func TestPasswordReset(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("reset@example.org", false)
		signedIn := env.As("reset@example.org")
		signedIn.Get("/account").Status(t, 200)
		anon := env.Anon()
		anon.PostForm("/password/forgot", url.Values{"email": {"reset@example.org"}}).Status(t, 200)
		anon.PostForm("/password/forgot", url.Values{"email": {"unknown@example.org"}}).Status(t, 200)
		if n := len(env.Outbox("unknown@example.org")); n != 0 {
			t.Fatalf("mail sent to unknown address: %d", n)
		}
		msgs := env.Outbox("reset@example.org")
		tok := tokenRe.FindStringSubmatch(msgs[0].Body)[1]
		anon.PostForm("/password/reset", url.Values{"token": {tok}, "password": {"short"}}).Status(t, 422).Contains(t, "at least 8 characters")
		anon.PostForm("/password/reset", url.Values{"token": {tok}, "password": {"12345678"}}).Status(t, 422).Contains(t, "too common")
		anon.PostForm("/password/reset", url.Values{"token": {tok}, "password": {"a brand new passphrase"}}).Status(t, 303)
		anon.PostForm("/password/reset", url.Values{"token": {tok}, "password": {"another new passphrase"}}).Status(t, 400)
		// Old sessions end with a reset.
		if signedIn.Get("/account").Code != 303 {
			t.Fatal("session survived a password reset")
		}
		anon.PostForm("/signin", url.Values{"email": {"reset@example.org"}, "password": {"a brand new passphrase"}}).Status(t, 303)
	})
}

// TestSigninNextStaysOnSite: the attack test's redirect, /signin?next=/%09/evil.example/x,
// answered Location: /\t/evil.example/x, which Chromium followed off-site.
func TestSigninNextStaysOnSite(t *testing.T) {
	env := apptest.New(t, dbtest.SQLite(t))
	env.User("next@example.org", false)
	signedIn := env.As("next@example.org")
	for _, next := range []string{"/%09/evil.example/x", "/%5C/evil.example", "%0D%0A//evil.example"} {
		if loc := signedIn.Get("/signin?next="+next).Status(t, 303).Location(); loc != "/home" {
			t.Errorf("next=%s: Location %q", next, loc)
		}
		res := env.Anon().PostForm("/signin", url.Values{"email": {"next@example.org"}, "password": {apptest.Password}, "next": {mustUnescape(t, next)}})
		if loc := res.Status(t, 303).Location(); loc != "/home" {
			t.Errorf("POST next=%s: Location %q", next, loc)
		}
	}
}

func mustUnescape(t *testing.T, s string) string {
	u, err := url.QueryUnescape(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSignupHashesWhetherOrNotTheEmailHasAnAccount: a sign-up with a taken
// address answered in 13 ms and a new one in 130 ms (the password hash), so
// timing told which addresses have accounts. Both must hash once.
func TestSignupHashesWhetherOrNotTheEmailHasAnAccount(t *testing.T) {
	env := apptest.New(t, dbtest.SQLite(t))
	env.User("taken@example.org", false)
	var calls atomic.Int64
	h := accounts.FastHasher
	h.Calls = &calls
	env.App.Accounts.Hasher = h
	for _, email := range []string{"new@example.org", "taken@example.org"} {
		calls.Store(0)
		env.Anon().PostForm("/signup", url.Values{"name": {"X"}, "email": {email}, "password": {"seaside donkey lantern"}}).Status(t, 200).Contains(t, "Check your email")
		if n := calls.Load(); n != 1 {
			t.Errorf("sign-up with %s hashed the password %d times, want 1", email, n)
		}
	}
}
