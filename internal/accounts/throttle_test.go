package accounts_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestConcurrentWrongPasswordsAreCheckedOnlyUpToTheLimit: the attack test
// sent 60 wrong passwords for one account at once and 31 were checked
// against a limit of 5, because each attempt counted the failures before
// any of the others had recorded theirs.
func TestConcurrentWrongPasswordsAreCheckedOnlyUpToTheLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("race@example.org", false)
		const n = 60
		var wg sync.WaitGroup
		codes := make([]string, n)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				_, err := env.App.Accounts.Authenticate(context.Background(), "race@example.org", fmt.Sprintf("wrong guess %d", i), "198.51.100.7")
				codes[i] = apperr.Code(err)
				if codes[i] != apperr.EUNAUTHORIZED && codes[i] != apperr.ETOOMANY {
					t.Errorf("attempt %d: %v", i, err)
				}
			})
		}
		close(start)
		wg.Wait()
		checked := 0
		for _, c := range codes {
			if c == apperr.EUNAUTHORIZED {
				checked++
			}
		}
		if checked != 5 {
			t.Fatalf("%d of %d concurrent wrong passwords were checked, want 5 (the limit)", checked, n)
		}
	})
}

// backdate moves the failures recorded for key back by d.
func backdate(t *testing.T, env *apptest.Env, key string, d time.Duration) {
	t.Helper()
	if _, err := env.DB.W().ExecContext(env.Ctx, `UPDATE auth_failures SET at = $1 WHERE key = $2`, db.Now().Add(-d), key); err != nil {
		t.Fatal(err)
	}
}

// TestSigninWaitsGrowAndTheHolderCanUnlock: five failures locked the
// account for 15 minutes, even against its holder. Now the wait starts at
// a minute and doubles, and the holder is emailed an unlock link.
func TestSigninWaitsGrowAndTheHolderCanUnlock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("holder@example.org", false)
		c := env.Anon()
		right := url.Values{"email": {"holder@example.org"}, "password": {apptest.Password}}
		wrong := url.Values{"email": {"holder@example.org"}, "password": {"not the password"}}
		for range 5 {
			c.PostForm("/signin", wrong).Status(t, 401)
		}
		res := c.PostForm("/signin", right).Status(t, 429).Contains(t, "Wait 1 minute and try again", "emailed it a link that unlocks sign-in")
		if ra := res.Header.Get("Retry-After"); ra == "" || ra == "0" || len(ra) > 2 {
			t.Errorf("Retry-After %q, want the seconds left of a minute", ra)
		}
		// A minute later one more attempt is checked; a failure doubles the wait.
		backdate(t, env, "email:holder@example.org", 61*time.Second)
		c.PostForm("/signin", wrong).Status(t, 401)
		c.PostForm("/signin", right).Status(t, 429).Contains(t, "Wait 2 minutes")
		backdate(t, env, "email:holder@example.org", 121*time.Second)
		c.PostForm("/signin", right).Status(t, 303)
		c.PostForm("/signout", nil).Status(t, 303)

		// Locked again: the emailed link unlocks at once, once.
		for range 5 {
			c.PostForm("/signin", wrong).Status(t, 401)
		}
		c.PostForm("/signin", right).Status(t, 429)
		tok := mailedToken(t, env, "holder@example.org", "unlock") // at most one an hour
		c.Get("/signin/unlock?token="+tok).Status(t, 200).Contains(t, "Unlock sign-in")
		c.PostForm("/signin/unlock", url.Values{"token": {tok}}).Status(t, 303)
		c.PostForm("/signin/unlock", url.Values{"token": {tok}}).Status(t, 400).Contains(t, "expired or has already been used")
		c.PostForm("/signin", right).Status(t, 303)

		// An address nobody uses waits the same way and is mailed nothing.
		nobody := url.Values{"email": {"nobody@example.org"}, "password": {"not the password"}}
		for range 5 {
			c.PostForm("/signin", nobody).Status(t, 401)
		}
		c.PostForm("/signin", nobody).Status(t, 429).Contains(t, "Wait 1 minute and try again", "emailed it a link")
		if n := len(env.Outbox("nobody@example.org")); n != 0 {
			t.Fatalf("%d mails to an address without an account", n)
		}
	})
}

// TestFailuresFromOneAddressDoNotLockOutOthersBehindIt: 30 failures from
// one address (an office, a library) locked out everyone behind it.
func TestFailuresFromOneAddressDoNotLockOutOthersBehindIt(t *testing.T) {
	env := apptest.New(t, dbtest.SQLite(t))
	env.User("colleague@example.org", false)
	c := env.Anon() // every apptest client comes from one address
	for i := range 40 {
		c.PostForm("/signin", url.Values{"email": {fmt.Sprintf("typo%d@example.org", i)}, "password": {"not the password"}}).Status(t, 401)
	}
	res := env.Anon().PostForm("/signin", url.Values{"email": {"colleague@example.org"}, "password": {apptest.Password}})
	if res.Code != 303 {
		t.Fatalf("after 40 failures from the same address, a colleague's right password answered %d: %s", res.Code, strings.TrimSpace(res.Body[:min(len(res.Body), 300)]))
	}
}

// TestEmailsToOneAddressAreLimited: 20 reset requests in a second sent 20
// emails, and each sign-up with a taken address emailed its owner. Now an
// address gets at most 3 such emails an hour, with or without an account
// (so the limit tells nothing about accounts either).
func TestEmailsToOneAddressAreLimited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("flooded@example.org", false)
		c := env.Anon()
		c.Get("/password/forgot").Status(t, 200).Contains(t, "at most 3 of these emails an hour")
		for _, email := range []string{"flooded@example.org", "nobody@example.org"} {
			for range 3 {
				c.PostForm("/password/forgot", url.Values{"email": {email}}).Status(t, 200).Contains(t, "Check your email")
			}
			for range 17 {
				c.PostForm("/password/forgot", url.Values{"email": {email}}).Status(t, 429).
					Contains(t, "already sent 3 emails to this address in the last hour", `href="#email"`, `value="`+email+`"`)
			}
		}
		if n := len(env.Outbox("flooded@example.org")); n != 3 {
			t.Errorf("20 reset requests sent %d emails, want 3", n)
		}
		// Sign-ups with a taken address and the confirmation link share the budget.
		env.User("owner@example.org", false)
		signup := url.Values{"name": {"Someone"}, "email": {"owner@example.org"}, "password": {"seaside donkey lantern"}}
		for range 3 {
			c.PostForm("/signup", signup).Status(t, 200)
		}
		c.PostForm("/signup", signup).Status(t, 429).Contains(t, "already sent 3 emails", `value="Someone"`)
		c.PostForm("/verify/resend", url.Values{"email": {"owner@example.org"}}).Status(t, 429)
		if n := len(env.Outbox("owner@example.org")); n != 3 {
			t.Errorf("sign-ups with a taken address sent %d emails, want 3", n)
		}
	})
}

// TestEmailsFromOneSenderAreLimited: one client cannot spread the flood
// over many addresses either.
func TestEmailsFromOneSenderAreLimited(t *testing.T) {
	env := apptest.New(t, dbtest.SQLite(t))
	c := env.Anon()
	for i := range 20 {
		c.PostForm("/password/forgot", url.Values{"email": {fmt.Sprintf("a%d@example.org", i)}}).Status(t, 200)
	}
	c.PostForm("/password/forgot", url.Values{"email": {"a20@example.org"}}).Status(t, 429).Contains(t, "from your network")
	c.PostForm("/signup", url.Values{"name": {"New"}, "email": {"new@example.org"}, "password": {"seaside donkey lantern"}}).Status(t, 429)
	if n := len(env.Outbox("new@example.org")); n != 0 {
		t.Errorf("%d mails past the sender's limit", n)
	}
}
