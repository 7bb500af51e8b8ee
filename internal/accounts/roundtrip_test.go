package accounts_test

import (
	"net/url"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestOrgFormsKeepInput: adding an organisation keeps every value on a 422,
// and the organisation's profile form then holds what was sent; inviting a
// member keeps the address and role.
func TestOrgFormsKeepInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("owner@x.org", false)
		c := env.As("owner@x.org")
		sent := c.RoundTrip(t, "/orgs/new", "/orgs/new", func(v url.Values) {
			v.Set("name", "Bispham Community Larder")
			v.Set("sector", "vcs")
			v.Set("legal_form", "cio")
		}, func(v url.Values) { v.Set("name", "") }, "Enter the organisation", "")
		profile := "/orgs/bispham-community-larder/profile"
		got := c.Get(profile).Status(t, 200).Form(t, profile)
		for _, k := range []string{"name", "sector", "legal_form"} {
			if got.Get(k) != sent.Get(k) {
				t.Errorf("%s: sent %q, stored %q", k, sent.Get(k), got.Get(k))
			}
		}
		invite := "/orgs/bispham-community-larder/members/invite"
		bad := url.Values{"email": {"not an email"}, "role": {"editor"}}
		c.PostForm(invite, bad).Status(t, 422).Kept(t, invite, bad)
	})
}
