package accounts_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

var secretRE = regexp.MustCompile(`phk_[A-Za-z0-9_-]{43}`)

// TestBearerTokensIdentifyOnlyOnAPIPaths: the web shell identifies a
// personal API token (Identify) on /api/ paths, where the route table's
// policies then apply to it and audit records name it; on every other path
// the Authorization header is ignored, so a leaked token cannot use the
// pages: make tokens, change the password, read the account.
func TestBearerTokensIdentifyOnlyOnAPIPaths(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("pat@example.org", false)
		org := env.Org("Pat's Pantry", "vcs", map[string]string{"pat@example.org": "owner"})
		secret := secretRE.FindString(env.As("pat@example.org").PostForm("/account/tokens", url.Values{"name": {"Sync"}}).Status(t, 200).Body)
		if secret == "" {
			t.Fatal("no token shown")
		}
		tok := env.Anon()
		tok.Header.Set("Authorization", "Bearer "+secret)
		countTokens := func() int {
			var n int
			if err := d.Q().QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM api_tokens`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// On the API the token is the caller: the policy of PATCH (editor
		// of the organisation) lets it through, and the audit names it.
		tok.SendJSON("PATCH", "/api/v1/organizations/"+org.Slug, map[string]any{"description": "Food parcels on Fridays."}).Status(t, 200)
		var actor string
		if err := d.Q().QueryRowContext(env.Ctx, `SELECT actor FROM audit_entries WHERE action = 'directory.profile_update' ORDER BY id DESC`).Scan(&actor); err != nil {
			t.Fatal(err)
		}
		if actor != "pat@example.org (API token: Sync)" {
			t.Errorf("audit actor %q does not name the token", actor)
		}

		// Anywhere else the token is nobody.
		before := countTokens()
		for _, res := range []*apptest.Response{
			tok.Get("/account"),
			tok.Get("/account/tokens"),
			tok.PostForm("/account/tokens", url.Values{"name": {"Minted by a token"}}),
			tok.PostForm("/account/password", url.Values{"current_password": {apptest.Password}, "password": {"a brand new passphrase"}}),
		} {
			if res.Code != http.StatusSeeOther || !strings.HasPrefix(res.Location(), "/signin?next=") {
				t.Errorf("a bearer token outside /api/ got %d (Location %q), want the anonymous redirect to sign in", res.Code, res.Location())
			}
		}
		if n := countTokens(); n != before {
			t.Fatalf("a bearer token made a token through the pages: %d tokens, was %d", n, before)
		}

		// A bad token or another scheme on the API is refused with 401 and a
		// Bearer challenge, never taken as anonymous; on a page a Basic
		// header (a proxy's) is ignored.
		for _, h := range []string{"Bearer phk_not-a-real-token", "Basic cGF0OnB3"} {
			c := env.Anon()
			c.Header.Set("Authorization", h)
			res := c.Get("/api/v1/organizations").Status(t, http.StatusUnauthorized)
			if ch := res.Header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, `Bearer realm="partnerhub"`) || !strings.Contains(ch, "invalid_token") {
				t.Errorf("%s: WWW-Authenticate %q", h, ch)
			}
			c.Get("/directory").Status(t, http.StatusOK)
		}
		// Without any credentials a write asks for a token.
		res := env.Anon().SendJSON("POST", "/api/v1/organizations", map[string]any{"name": "X"}).Status(t, http.StatusUnauthorized).Contains(t, "Authorization: Bearer")
		if ch := res.Header.Get("WWW-Authenticate"); ch != `Bearer realm="partnerhub"` {
			t.Errorf("anonymous write: WWW-Authenticate %q", ch)
		}
	})
}
