package accounts_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// cachedGet sends GETs of path until the page cache answers one, and
// returns that answer: the page is then in the cache. (On PostgreSQL the
// state version is the whole server's snapshot, which other tests' commits
// move, so a single repeat may miss.)
func cachedGet(t *testing.T, env *apptest.Env, c *apptest.Client, path string) *apptest.Response {
	t.Helper()
	for range 200 {
		before := env.App.Web.PageCacheStats().Hits
		res := c.Get(path)
		if env.App.Web.PageCacheStats().Hits > before {
			return res
		}
	}
	t.Fatalf("GET %s never came from the page cache", path)
	return nil
}

// The signed-in pages come from the page cache, and every write they
// show makes them render again: through another feature's handler, in
// another process (a second store on the same database), a role change,
// a membership ended elsewhere, a password change, signing out everywhere
// and a user disabled by another process.
func TestPageCacheIsNeverStale(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		ctx := env.Ctx
		other, err := d.OpenAgain(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		env.User("owner@example.org", false)
		ed := env.User("ed@example.org", false)
		org := env.Org("Talbot Youth Project", "vcs", map[string]string{"owner@example.org": "owner", "ed@example.org": "editor"})
		dash := "/orgs/" + org.Slug
		e := env.As("ed@example.org")
		o := env.As("owner@example.org")

		cachedGet(t, env, e, dash).Status(t, 200).Contains(t, "Talbot Youth Project", "Editor")
		// Another feature's handler: the directory's profile form.
		e.PostForm(dash+"/profile", url.Values{"name": {"Talbot Youth Hub"}, "sector": {"vcs"}, "legal_form": {"charity"}}).Status(t, 303)
		e.Get(dash).Status(t, 200).Contains(t, "Talbot Youth Hub").NotContains(t, "Talbot Youth Project")

		// Another process.
		cachedGet(t, env, e, dash).Contains(t, "Talbot Youth Hub")
		if _, err := other.W().ExecContext(ctx, `UPDATE organisations SET name = 'Talbot Youth Club' WHERE id = $1`, org.ID); err != nil {
			t.Fatal(err)
		}
		e.Get(dash).Status(t, 200).Contains(t, "Talbot Youth Club")

		// A role change by the owner.
		cachedGet(t, env, e, dash).Contains(t, "Editor")
		o.PostForm(dash+"/members/role", url.Values{"user": {strconv.FormatInt(ed.ID, 10)}, "role": {"viewer"}}).Status(t, 303)
		e.Get(dash).Status(t, 200).Contains(t, "Viewer").NotContains(t, "Editor")

		// The membership ended by another process.
		cachedGet(t, env, e, dash)
		if _, err := other.W().ExecContext(ctx, `DELETE FROM memberships WHERE user_id = $1 AND organisation_id = $2`, ed.ID, org.ID); err != nil {
			t.Fatal(err)
		}
		e.Get(dash).Status(t, 404)

		// A password change signs the other sessions out.
		o2 := env.As("owner@example.org")
		cachedGet(t, env, o2, "/account").Contains(t, "owner@example.org")
		o.PostForm("/account/password", url.Values{"current_password": {apptest.Password}, "password": {"a brand new passphrase"}}).Status(t, 303)
		o2.Get("/account").Status(t, 303)

		// Signing out everywhere, and a copy of the signed-out cookie.
		o3 := env.As("owner@example.org")
		copied := env.Anon()
		copied.Header.Set("Cookie", "partnerhub_session="+o3.Cookie("partnerhub_session"))
		cachedGet(t, env, copied, "/account").Contains(t, "owner@example.org")
		o3.PostForm("/account/signout-everywhere", nil).Status(t, 303)
		copied.Get("/account").Status(t, 303)
		o.Get("/account").Status(t, 303)

		// A user disabled by another process (a bare UPDATE, as a script
		// might: nothing in this process hears of it).
		e2 := env.As("ed@example.org")
		cachedGet(t, env, e2, "/account").Contains(t, "ed@example.org")
		if _, err := other.W().ExecContext(ctx, `UPDATE users SET disabled_at = $1 WHERE id = $2`, db.Now(), ed.ID); err != nil {
			t.Fatal(err)
		}
		e2.Get("/account").Status(t, 303)
	})
}

// One session's cached page is never another's: another user, another
// session of the same user and another Accept header all miss.
func TestPageCacheKeepsSessionsApart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("ann@example.org", false)
		env.User("bob@example.org", false)
		a, a2, b := env.As("ann@example.org"), env.As("ann@example.org"), env.As("bob@example.org")
		cachedGet(t, env, a, "/account").Contains(t, "ann@example.org")
		for _, tc := range []struct {
			name string
			get  func() *apptest.Response
			want string
		}{
			{"another user", func() *apptest.Response { return b.Get("/account") }, "bob@example.org"},
			{"another session", func() *apptest.Response { return a2.Get("/account") }, "ann@example.org"},
			{"another Accept", func() *apptest.Response { return a.GetAccept("/account", "application/json") }, ""},
		} {
			before := env.App.Web.PageCacheStats().Hits
			res := tc.get()
			if env.App.Web.PageCacheStats().Hits != before {
				t.Errorf("%s: served from the cache", tc.name)
			}
			if tc.want != "" {
				res.Status(t, 200).Contains(t, tc.want)
				if tc.want != "ann@example.org" {
					res.NotContains(t, "ann@example.org")
				}
			}
		}
		// Each session's own page marks its own row "This browser".
		pa, pa2 := cachedGet(t, env, a, "/account"), cachedGet(t, env, a2, "/account")
		if pa.Body == pa2.Body {
			t.Error("two sessions of one user got the same page")
		}
	})
}

// A flash message is shown once: the page that shows it is neither served
// from the cache nor kept (it clears the message's cookie), and the next
// request gets the page without it.
func TestPageCacheShowsFlashOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("pat@example.org", false)
		c := env.As("pat@example.org")
		cachedGet(t, env, c, "/account")
		c.PostForm("/account/password", url.Values{"current_password": {apptest.Password}, "password": {"a brand new passphrase"}}).Status(t, 303)
		before := env.App.Web.PageCacheStats()
		c.Get("/account").Status(t, 200).Contains(t, "Your password has been changed")
		after := env.App.Web.PageCacheStats()
		if after.Hits != before.Hits || after.Stores != before.Stores {
			t.Errorf("the flash page was served from or kept in the cache: %+v -> %+v", before, after)
		}
		c.Get("/account").Status(t, 200).NotContains(t, "Your password has been changed")
		cachedGet(t, env, c, "/account").NotContains(t, "Your password has been changed")

		// A flash message that came with no write: the cached page is
		// there at the same version, and must not be served instead.
		copied := env.Anon()
		copied.Header.Set("Cookie", "partnerhub_session="+c.Cookie("partnerhub_session")+"; partnerhub_flash=Saved+it")
		cachedGet(t, env, c, "/account")
		copied.Get("/account").Status(t, 200).Contains(t, "Saved it")
	})
}

// The cache keeps at most its bounds in entries and bytes, least recently
// used out first, and keeps no answer but a 200.
func TestPageCacheBounds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("pat@example.org", false)
		c := env.As("pat@example.org")
		w := env.App.Web
		w.SetPageCacheLimits(2, 0)
		for i := range 3 {
			c.Get("/account?n="+strconv.Itoa(i)).Status(t, 200)
		}
		if st := w.PageCacheStats(); st.Entries != 2 || st.Stores < 3 {
			t.Fatalf("after 3 pages with room for 2: %+v", st)
		}
		before := w.PageCacheStats().Hits
		c.Get("/account?n=0").Status(t, 200) // the least recently used: gone
		if w.PageCacheStats().Hits != before {
			t.Error("the evicted page was served from the cache")
		}

		page := len(c.Get("/account").Body)
		limit := int64(2 * page)
		w.SetPageCacheLimits(100, limit)
		for i := range 3 {
			c.Get("/account?m="+strconv.Itoa(i)).Status(t, 200)
		}
		if st := w.PageCacheStats(); st.Entries != 1 || st.Bytes > limit {
			t.Fatalf("after 3 pages of %d bytes with room for %d bytes: %+v", page, limit, st)
		}

		// Not a 200: not kept.
		stores := w.PageCacheStats().Stores
		c.Get("/orgs/no-such-organisation").Status(t, 404)
		if w.PageCacheStats().Stores != stores {
			t.Error("a 404 was kept")
		}
		if !strings.Contains(c.Get("/account").Body, "pat@example.org") {
			t.Error("the account page lost its content")
		}
	})
}
