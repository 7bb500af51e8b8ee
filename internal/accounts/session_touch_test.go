package accounts_test

import (
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// sessionTimes reads a session's stored last use and expiry.
func sessionTimes(t *testing.T, d *db.DB, hash string) (lastSeen, expires time.Time, found bool) {
	t.Helper()
	err := d.Q().QueryRowContext(t.Context(), `SELECT last_seen_at, expires_at FROM sessions WHERE id_hash = $1`, hash).Scan(&lastSeen, &expires)
	if err != nil {
		return time.Time{}, time.Time{}, false
	}
	return lastSeen, expires, true
}

// ageSession makes a session last written at old and ending two weeks
// after: its next page touches it, and the touch waits for the batch.
func ageSession(t *testing.T, d *db.DB, hash string, old time.Time) {
	t.Helper()
	if _, err := d.W().ExecContext(t.Context(), `UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3`, old, old.Add(14*24*time.Hour), hash); err != nil {
		t.Fatal(err)
	}
}

// A session's sliding expiry is not a commit of its own: one person's
// session moving on leaves everybody else's cached pages in the cache. It
// is written, with the others waiting, by FlushSessionTouches, and that
// write (a commit like any other) drops them as every commit does.
func TestSessionTouchKeepsOtherSessionsCached(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("ann@example.org", false)
		env.User("bob@example.org", false)
		a, b := env.As("ann@example.org"), env.As("bob@example.org")
		ann := accounts.HashToken(a.Cookie("partnerhub_session"))
		old := db.Now().Add(-10 * time.Minute)
		// On PostgreSQL other tests' commits move the state version too,
		// so a miss proves nothing; a hit proves the touch did not move
		// it. On SQLite the first round must hit.
		rounds := 50
		if d.Dialect == db.SQLite {
			rounds = 1
		}
		kept := false
		for range rounds {
			ageSession(t, d, ann, old)
			cachedGet(t, env, b, "/account")
			a.Get("/account").Status(t, 200)
			before := env.App.Web.PageCacheStats().Hits
			b.Get("/account").Status(t, 200).Contains(t, "bob@example.org")
			if env.App.Web.PageCacheStats().Hits > before {
				kept = true
				break
			}
		}
		if !kept {
			t.Fatal("another session's sliding expiry dropped bob's cached page every time")
		}
		if seen, _, _ := sessionTimes(t, d, ann); !seen.Equal(old) {
			t.Fatalf("ann's touch was written at once: last seen %v, want still %v", seen, old)
		}

		// The batch writes it.
		if err := env.App.Accounts.FlushSessionTouches(env.Ctx); err != nil {
			t.Fatal(err)
		}
		seen, expires, _ := sessionTimes(t, d, ann)
		if !seen.After(old) || expires.Sub(seen) < 13*24*time.Hour {
			t.Fatalf("after the flush ann's session was last seen %v (expires %v), want after %v with a new expiry", seen, expires, old)
		}
		// And a write the page shows still drops bob's page.
		cachedGet(t, env, b, "/account")
		if _, err := d.W().ExecContext(env.Ctx, `UPDATE users SET name = 'Robert' WHERE email = 'bob@example.org'`); err != nil {
			t.Fatal(err)
		}
		b.Get("/account").Status(t, 200).Contains(t, "Robert")
	})
}

// A touch waiting in memory never extends a session that ended while it
// waited: signed out (the row is gone), or expired or cut short.
func TestSessionTouchNeverRevives(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("ann@example.org", false)
		env.User("bob@example.org", false)
		a, b := env.As("ann@example.org"), env.As("bob@example.org")
		ann := accounts.HashToken(a.Cookie("partnerhub_session"))
		bob := accounts.HashToken(b.Cookie("partnerhub_session"))
		old := db.Now().Add(-10 * time.Minute)
		ageSession(t, d, ann, old)
		ageSession(t, d, bob, old)
		a.Get("/account").Status(t, 200)
		b.Get("/account").Status(t, 200)
		// Ann signs out; bob's session is cut short by another process.
		a.PostForm("/signout", nil)
		cut := db.Now().Add(-time.Second)
		if _, err := d.W().ExecContext(env.Ctx, `UPDATE sessions SET expires_at = $1 WHERE id_hash = $2`, cut, bob); err != nil {
			t.Fatal(err)
		}
		if err := env.App.Accounts.FlushSessionTouches(env.Ctx); err != nil {
			t.Fatal(err)
		}
		if _, _, found := sessionTimes(t, d, ann); found {
			t.Error("ann's signed-out session is back")
		}
		if _, expires, _ := sessionTimes(t, d, bob); !expires.Equal(cut) {
			t.Errorf("bob's ended session expires %v, want still %v", expires, cut)
		}
		if seen, _, _ := sessionTimes(t, d, bob); !seen.Equal(old) {
			t.Errorf("bob's ended session was touched: last seen %v", seen)
		}
		b.Get("/account").Status(t, 303)
	})
}

// A session whose stored expiry is near is written at once, so a touch
// waiting in memory never lets the stored expiry pass.
func TestSessionTouchNearExpiryWritesAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("ann@example.org", false)
		a := env.As("ann@example.org")
		ann := accounts.HashToken(a.Cookie("partnerhub_session"))
		old := db.Now().Add(-10 * time.Minute)
		soon := db.Now().Add(20 * time.Minute)
		if _, err := d.W().ExecContext(env.Ctx, `UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3`, old, soon, ann); err != nil {
			t.Fatal(err)
		}
		a.Get("/account").Status(t, 200)
		if seen, expires, _ := sessionTimes(t, d, ann); !seen.After(old) || !expires.After(soon) {
			t.Fatalf("a session 20 minutes from its end was not written at once: last seen %v, expires %v", seen, expires)
		}
	})
}

// A shorter session lifetime (--session-ttl lowered after an incident)
// takes effect at a session's next touch, batched or not: the touch
// writes this use's now+ttl, even when that is sooner than the stored
// expiry.
func TestSessionTouchShortensToANewTTL(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("ann@example.org", false)
		a := env.As("ann@example.org")
		ann := accounts.HashToken(a.Cookie("partnerhub_session"))
		ageSession(t, d, ann, db.Now().Add(-10*time.Minute))
		env.App.Web.Config.SessionTTL = 24 * time.Hour
		a.Get("/account").Status(t, 200)
		if err := env.App.Accounts.FlushSessionTouches(env.Ctx); err != nil {
			t.Fatal(err)
		}
		seen, expires, _ := sessionTimes(t, d, ann)
		if got := expires.Sub(seen); got != 24*time.Hour {
			t.Fatalf("after a touch with a 24-hour lifetime the session ends %v after its last use, want 24h", got)
		}
	})
}
