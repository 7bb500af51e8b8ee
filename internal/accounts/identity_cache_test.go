package accounts_test

import (
	"net/url"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// The identity is cached per session (identity_cache.go). Each change of
// who someone is or what they may do shows on the very next request of a
// session that has just been used (and so is cached).
func TestIdentityCacheInvalidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		admin := env.User("admin@example.org", true)
		env.User("owner@example.org", false)
		ed, vi := env.User("editor@example.org", false), env.User("viewer@example.org", false)
		org := env.Org("Fylde Food Bank", "vcs", map[string]string{"owner@example.org": "owner", "editor@example.org": "editor", "viewer@example.org": "viewer"})
		base := "/orgs/" + org.Slug
		owner, editor, viewer := env.As("owner@example.org"), env.As("editor@example.org"), env.As("viewer@example.org")

		// A removed member loses access on the next request.
		viewer.Get(base).Status(t, 200)
		viewer.Get(base).Status(t, 200) // from the cache
		owner.PostForm(base+"/members/remove", url.Values{"user": {itoa(vi.ID)}}).Status(t, 303)
		viewer.Get(base).Status(t, 404)

		// A role change counts on the next request.
		editor.Get(base+"/members/remove?user="+itoa(admin.ID)).Status(t, 403)
		owner.PostForm(base+"/members/role", url.Values{"user": {itoa(ed.ID)}, "role": {"owner"}}).Status(t, 303)
		editor.Get(base+"/members").Status(t, 200).Contains(t, "/members/remove?user=")

		// Disabling signs the person out at once.
		editor.Get("/account").Status(t, 200)
		env.As("admin@example.org").PostForm("/admin/users/action", url.Values{"user": {itoa(ed.ID)}, "do": {"disable"}}).Status(t, 303)
		editor.Get("/account").Status(t, 303)

		// Signing out ends that session even for a copy of its cookie.
		tok, err := accounts.CreateSession(env.Ctx, d.W(), admin.ID, time.Hour, "127.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := accounts.MarkSession(env.Ctx, d.W(), tok); err != nil {
			t.Fatal(err)
		}
		copyOf := env.Anon()
		copyOf.Header.Set("Cookie", "partnerhub_session="+tok)
		copyOf.Get("/account").Status(t, 200)
		signer := env.Anon()
		signer.Header.Set("Cookie", "partnerhub_session="+tok)
		signer.PostForm("/signout", nil).Status(t, 303)
		copyOf.Get("/account").Status(t, 303)

		// Ending a person's other sessions (a password change) ends them now.
		a := env.As("admin@example.org")
		a.Get("/admin").Status(t, 200)
		if err := d.Write(env.Ctx, func(tx *db.Tx) error { return accounts.DeleteSessions(env.Ctx, tx, admin.ID, "") }); err != nil {
			t.Fatal(err)
		}
		a.Get("/account").Status(t, 303)

		// Two-factor sign-in switched off: the session no longer counts as
		// having proved a second factor, so the admin area asks for it.
		a = env.As("admin@example.org")
		a.Get("/admin").Status(t, 200)
		if err := d.Write(env.Ctx, func(tx *db.Tx) error { return accounts.ResetTwoFactor(env.Ctx, tx, admin.ID) }); err != nil {
			t.Fatal(err)
		}
		if r := a.Get("/admin"); r.Code != 303 || r.Location() != "/signin/two-factor?next=%2Fadmin" {
			t.Fatalf("admin area after two-factor reset: %d %s", r.Code, r.Location())
		}

		// Admin rights taken away count on the next request.
		env.User("second@example.org", true)
		b := env.As("second@example.org")
		b.Get("/admin").Status(t, 200)
		env.As("admin@example.org").Get("/account").Status(t, 200)
		if err := d.Write(env.Ctx, func(tx *db.Tx) error {
			u, err := accounts.UserByEmail(env.Ctx, tx, "second@example.org")
			if err != nil {
				return err
			}
			return accounts.SetAdmin(env.Ctx, tx, u.ID, false)
		}); err != nil {
			t.Fatal(err)
		}
		b.Get("/admin").Status(t, 403)
	})
}
