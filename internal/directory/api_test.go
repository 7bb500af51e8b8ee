package directory_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
)

var tokenRE = regexp.MustCompile(`phk_[A-Za-z0-9_-]{43}`)

// newToken creates a token through the account page and returns it.
func newToken(t *testing.T, env *apptest.Env, email, name string) string {
	t.Helper()
	body := env.As(email).PostForm("/account/tokens", url.Values{"name": {name}}).Status(t, 200).Contains(t, "Copy it now", name).Body
	tok := tokenRE.FindString(body)
	if tok == "" {
		t.Fatal("no token shown")
	}
	return tok
}

// bearer is an anonymous client (no session) sending a token.
func bearer(env *apptest.Env, tok string) *apptest.Client {
	c := env.Anon()
	c.Header.Set("Authorization", "Bearer "+tok)
	return c
}

type problem struct {
	Status int
	Detail string
	Errors []struct{ Field, Message string }
}

func (p problem) fields() map[string]string {
	m := map[string]string{}
	for _, e := range p.Errors {
		m[e.Field] += e.Message + " "
	}
	return m
}

func isProblem(t *testing.T, res *apptest.Response, status int) problem {
	t.Helper()
	res.Status(t, status)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	var p problem
	res.JSON(t, &p)
	return p
}

type apiOrg struct {
	ID, Slug, Name, Sector, Postcode, Description, Website string
	Services, Themes, Wards, Identifiers                   []string
	Staff                                                  *int
	Published                                              bool
}

func TestAPITokensPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("ann@example.org", false)
		env.User("bob@example.org", false)
		env.Anon().Get("/account/tokens").Status(t, 303)
		ann := env.As("ann@example.org")
		ann.PostForm("/account/tokens", url.Values{"name": {""}}).Status(t, 422).Contains(t, "Enter a name for the token")
		tok := newToken(t, env, "ann@example.org", "Website sync")

		// Stored as a hash only; the list shows name and dates, never the secret.
		var hash string
		if err := d.Q().QueryRowContext(context.Background(), `SELECT token_hash FROM api_tokens`).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if hash != accounts.HashToken(tok) || strings.Contains(hash, tok) {
			t.Fatalf("stored %q", hash)
		}
		page := ann.Get("/account/tokens").Status(t, 200).Contains(t, "Website sync", "Never", "Active").NotContains(t, tok).Body
		bearer(env, tok).Get("/api/v1/organizations").Status(t, 200)
		ann.Get("/account/tokens").Status(t, 200).NotContains(t, "Never")

		// Revoke: another user's token looks missing; a confirmation page first.
		m := regexp.MustCompile(`/account/tokens/(\d+)/revoke`).FindStringSubmatch(page)
		if m == nil {
			t.Fatal("no revoke link")
		}
		env.As("bob@example.org").Get(m[0]).Status(t, 404)
		env.As("bob@example.org").PostForm(m[0], nil).Status(t, 404)
		bearer(env, tok).Get("/api/v1/organizations").Status(t, 200)
		ann.Get(m[0]).Status(t, 200).Contains(t, "Are you sure", "Website sync")
		ann.PostForm(m[0], nil).Status(t, 303)
		ann.Get("/account/tokens").Status(t, 200).Contains(t, "Revoked")
		res := bearer(env, tok).Get("/api/v1/organizations")
		isProblem(t, res, 401)
		if !strings.Contains(res.Header.Get("WWW-Authenticate"), "invalid_token") {
			t.Errorf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
		}
		var n int
		d.Q().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_entries WHERE action IN ('api_token.create', 'api_token.revoke')`).Scan(&n)
		if n != 2 {
			t.Errorf("%d token audit rows, want 2", n)
		}
	})
}

func TestAPIOrganizations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.New(t, d)
		for _, e := range []string{"ed@example.org", "viewer@example.org", "other@example.org"} {
			env.User(e, false)
		}
		env.User("admin@example.org", true)
		org := env.Org("Talbot Youth Project", "vcs", map[string]string{"ed@example.org": "editor", "viewer@example.org": "viewer"})
		other := env.Org("Layton Lunch Club", "vcs", map[string]string{"other@example.org": "owner"})
		edTok := newToken(t, env, "ed@example.org", "sync")
		viewerTok := newToken(t, env, "viewer@example.org", "sync")
		otherTok := newToken(t, env, "other@example.org", "sync")
		ed := bearer(env, edTok)

		// Writes need a caller.
		isProblem(t, env.Anon().SendJSON("PATCH", "/api/v1/organizations/"+org.Slug, map[string]any{"description": "x"}), 401)
		isProblem(t, env.Anon().SendJSON("POST", "/api/v1/organizations", map[string]any{"name": "x"}), 401)
		bad := env.Anon()
		bad.Header.Set("Authorization", "Basic abc")
		isProblem(t, bad.Get("/api/v1/organizations"), 401)

		// An editor's token updates the profile (PATCH: only the fields sent).
		var got apiOrg
		ed.SendJSON("PATCH", "/api/v1/organizations/"+org.Slug, map[string]any{
			"description": "Detached youth work in Talbot", "postcode": "fy1 3ab", "wards": []string{"Talbot"},
			"services": []string{"youth-work"}, "themes": []string{"children-young-people"}, "identifiers": []string{"GB-CHC-1090095"},
			"staff": 4, "website": "https://talbot.example.org"}).Status(t, 200).JSON(t, &got)
		if got.Postcode != "FY1 3AB" || got.Staff == nil || *got.Staff != 4 || len(got.Services) != 1 || got.Services[0] != "youth-work" || !got.Published {
			t.Fatalf("patched: %+v", got)
		}
		ed.SendJSON("PATCH", "/api/v1/organizations/"+got.ID, map[string]any{"staff": nil}).Status(t, 200).JSON(t, &got)
		if got.Staff != nil || got.Postcode != "FY1 3AB" || got.Themes[0] != "children-young-people" {
			t.Fatalf("patch kept the rest: %+v", got)
		}
		var actor string
		if err := d.Q().QueryRowContext(ctx, `SELECT actor FROM audit_entries WHERE action = 'directory.profile_update' AND organisation_id = $1 ORDER BY id DESC LIMIT 1`, org.ID).Scan(&actor); err != nil {
			t.Fatal(err)
		}
		if actor != "ed@example.org (API token: sync)" {
			t.Errorf("audit actor %q", actor)
		}

		// Validation: 422 problem, one error per field, nothing written.
		p := isProblem(t, ed.SendJSON("PATCH", "/api/v1/organizations/"+org.Slug, map[string]any{
			"postcode": "NOT A POSTCODE", "identifiers": []string{"GB-XXX-1"}, "services": []string{"juggling"}, "staff": "lots",
			"colour": "red", "website": "javascript:alert(1)"}), 422)
		f := p.fields()
		for _, k := range []string{"staff", "services", "colour", "postcode", "identifiers", "website"} {
			if f[k] == "" {
				t.Errorf("no error for %s: %+v", k, p)
			}
		}
		p = isProblem(t, ed.SendJSON("PATCH", "/api/v1/organizations/"+org.Slug, map[string]any{"postcode": "NOT A POSTCODE", "identifiers": []string{"GB-XXX-1"}, "website": "javascript:x"}), 422)
		f = p.fields()
		if !strings.Contains(f["postcode"], "real postcode") || !strings.Contains(f["identifiers"], "GB-XXX") || f["website"] == "" {
			t.Errorf("field errors: %+v", p)
		}
		isProblem(t, ed.Do("PATCH", "/api/v1/organizations/"+org.Slug, strings.NewReader(`{"name":`), http.Header{"Content-Type": {"application/json"}}), 422)
		isProblem(t, ed.Do("PATCH", "/api/v1/organizations/"+org.Slug, strings.NewReader(`name=x`), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}), 422)
		isProblem(t, ed.Do("PATCH", "/api/v1/organizations/"+org.Slug, strings.NewReader(`{"description":"`+strings.Repeat("x", directory.MaxAPIBody)+`"}`), http.Header{"Content-Type": {"application/json"}}), 413)
		env.Anon().Get("/api/v1/organizations/"+org.Slug).Status(t, 200).JSON(t, &got)
		if got.Postcode != "FY1 3AB" {
			t.Fatalf("a refused write changed the profile: %+v", got)
		}

		// Permissions: a viewer may not (403, told why); to another
		// organisation's owner the organisation answers exactly like a
		// missing one (404, as the README promises; it was a 403 naming it).
		viewer := bearer(env, viewerTok).SendJSON("PATCH", "/api/v1/organizations/"+org.Slug, map[string]any{"description": "x"})
		isProblem(t, viewer, 403)
		viewer.Contains(t, "You are a viewer of")
		hijack := map[string]any{"name": "Hijacked", "sector": "vcs", "legal_form": "charity"}
		theirs := bearer(env, otherTok).SendJSON("PUT", "/api/v1/organizations/"+org.Slug, hijack)
		missing := bearer(env, otherTok).SendJSON("PUT", "/api/v1/organizations/no-such-org", hijack)
		isProblem(t, theirs, 404)
		theirs.NotContains(t, org.Name)
		if strip := func(r *apptest.Response) string { return strings.ReplaceAll(r.Body, r.Header.Get("X-Request-Id"), "") }; strip(theirs) != strip(missing) {
			t.Errorf("another organisation's answer differs from a missing one's:\n%s\n%s", theirs.Body, missing.Body)
		}
		// Unlisted: looks missing to everyone but members and admins.
		bearer(env, otherTok).SendJSON("PATCH", "/api/v1/organizations/"+other.Slug, map[string]any{"published": false}).Status(t, 200)
		isProblem(t, env.Anon().Get("/api/v1/organizations/"+other.Slug), 404)
		isProblem(t, ed.Get("/api/v1/organizations/"+other.Slug), 404)
		isProblem(t, ed.SendJSON("PATCH", "/api/v1/organizations/"+other.Slug, map[string]any{"description": "x"}), 404)
		bearer(env, otherTok).Get("/api/v1/organizations/"+other.Slug).Status(t, 200)
		env.As("admin@example.org").Get("/api/v1/organizations/"+other.Slug).Status(t, 200)
		isProblem(t, env.Anon().Get("/api/v1/organizations/no-such-org"), 404)

		// PUT replaces: fields left out are cleared.
		ed.SendJSON("PUT", "/api/v1/organizations/"+org.Slug, map[string]any{"name": "Talbot Youth Project", "sector": "vcs", "legal_form": "cio",
			"services": []string{"youth-work"}, "identifiers": []string{"GB-CHC-1090095"}}).Status(t, 200).JSON(t, &got)
		if got.Postcode != "" || got.Description != "" || len(got.Themes) != 0 || len(got.Services) != 1 {
			t.Fatalf("put: %+v", got)
		}
		// Moving into the public sector is for admins.
		p = isProblem(t, ed.SendJSON("PATCH", "/api/v1/organizations/"+org.Slug, map[string]any{"sector": "public"}), 403)
		if p.fields()["sector"] == "" {
			t.Errorf("public sector refusal names no field: %+v", p)
		}

		// Create: the token's user becomes owner.
		res := ed.SendJSON("POST", "/api/v1/organizations", map[string]any{"name": "Bispham Carers Café", "sector": "vcs", "legal_form": "unincorporated",
			"description": "A café for carers", "client_groups": []string{"carers"}})
		res.Status(t, 201).JSON(t, &got)
		if !strings.HasSuffix(res.Location(), "/api/v1/organizations/"+got.ID) || got.Slug == "" {
			t.Fatalf("created: %s %+v", res.Location(), got)
		}
		var role string
		if err := d.Q().QueryRowContext(ctx, `SELECT m.role FROM memberships m JOIN organisations o ON o.id = m.organisation_id JOIN users u ON u.id = m.user_id WHERE o.uuid = $1 AND u.email = 'ed@example.org'`, got.ID).Scan(&role); err != nil || role != "owner" {
			t.Fatalf("membership %q %v", role, err)
		}
		ed.SendJSON("PATCH", "/api/v1/organizations/"+got.ID, map[string]any{"mission": "Nobody cares alone"}).Status(t, 200)
		p = isProblem(t, ed.SendJSON("POST", "/api/v1/organizations", map[string]any{"name": "NHS Somewhere", "sector": "public", "legal_form": "public_body"}), 403)
		if p.fields()["sector"] == "" {
			t.Errorf("%+v", p)
		}
		p = isProblem(t, ed.SendJSON("POST", "/api/v1/organizations", map[string]any{"sector": "nonsense"}), 422)
		if f := p.fields(); f["name"] == "" || f["sector"] == "" || f["legal_form"] == "" {
			t.Errorf("create field errors: %+v", p)
		}
		// Identifier already used by another organisation: nothing half-made.
		var before int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&before)
		p = isProblem(t, ed.SendJSON("POST", "/api/v1/organizations", map[string]any{"name": "Copycat", "sector": "vcs", "legal_form": "charity", "identifiers": []string{"GB-CHC-1090095"}}), 422)
		var after int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&after)
		if after != before || p.fields()["identifiers"] == "" {
			t.Errorf("conflicting create: %d -> %d organisations, %+v", before, after, p)
		}
		// An unconfirmed email address cannot create.
		err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := accounts.InsertUser(ctx, tx, accounts.FastHasher, "New", "new@example.org", apptest.Password, false, false)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		newTok := newToken(t, env, "new@example.org", "t")
		isProblem(t, bearer(env, newTok).SendJSON("POST", "/api/v1/organizations", map[string]any{"name": "X", "sector": "vcs", "legal_form": "charity"}), 403)

		// The list: the same filters and answers as /directory.
		var page struct {
			Total   int
			Page    int
			PerPage int `json:"per_page"`
			Items   []struct{ ID, Name string }
			Links   struct{ Self, Next, Prev *string }
		}
		env.Anon().Get("/api/v1/organizations?q=carers").Status(t, 200).JSON(t, &page)
		if page.Total != 1 || page.Items[0].Name != "Bispham Carers Café" {
			t.Fatalf("search: %+v", page)
		}
		var html struct{ Total int }
		env.Anon().GetAccept("/directory?per_page=1", "application/json").Status(t, 200).JSON(t, &html)
		env.Anon().Get("/api/v1/organizations?per_page=1").Status(t, 200).JSON(t, &page)
		if page.Total != html.Total || page.Total < 2 || len(page.Items) != 1 || page.Links.Next == nil || page.Links.Prev != nil {
			t.Fatalf("paging: %+v (directory total %d)", page, html.Total)
		}
		env.Anon().Get("/api/v1/organizations?per_page=1&page=2").Status(t, 200).JSON(t, &page)
		if page.Page != 2 || page.Links.Prev == nil {
			t.Fatalf("page 2: %+v", page)
		}
		p = isProblem(t, env.Anon().Get("/api/v1/organizations?sector=nonsense&sort=loudest"), 422)
		if f := p.fields(); f["sector"] == "" || f["sort"] == "" {
			t.Errorf("filter errors: %+v", p)
		}
		for _, o := range page.Items {
			if o.Name == "Layton Lunch Club" {
				t.Error("unlisted organisation in the list")
			}
		}

		// A disabled account's tokens stop working at once.
		if _, err := d.W().ExecContext(ctx, `UPDATE users SET disabled_at = $1 WHERE email = 'other@example.org'`, db.Now()); err != nil {
			t.Fatal(err)
		}
		isProblem(t, bearer(env, otherTok).Get("/api/v1/organizations/"+other.Slug), 401)
	})
}

// TestAPITokensEndWithPassword: changing the account's password, or
// resetting it, revokes its API tokens (and says so); signing out
// everywhere does not, and another user's tokens are untouched.
func TestAPITokensEndWithPassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.New(t, d)
		env.User("ann@example.org", false)
		env.User("bob@example.org", false)
		bobs := newToken(t, env, "bob@example.org", "Bob sync")
		first := newToken(t, env, "ann@example.org", "Website sync")
		second := newToken(t, env, "ann@example.org", "Spreadsheet")

		env.As("ann@example.org").PostForm("/account/signout-everywhere", nil).Status(t, 303)
		bearer(env, first).Get("/api/v1/organizations").Status(t, 200)

		ann := env.As("ann@example.org") // signed in again after signing out everywhere
		ann.PostForm("/account/password", url.Values{"current_password": {apptest.Password}, "password": {"a brand new passphrase"}}).Status(t, 303)
		for _, tok := range []string{first, second} {
			isProblem(t, bearer(env, tok).Get("/api/v1/organizations"), 401)
		}
		bearer(env, bobs).Get("/api/v1/organizations").Status(t, 200)
		if m := env.Outbox("ann@example.org"); len(m) == 0 || !strings.Contains(m[0].Body, "Your 2 API tokens were revoked") {
			t.Errorf("password-changed mail does not say the tokens were revoked: %+v", m)
		}
		var detail string
		d.Q().QueryRowContext(ctx, `SELECT detail FROM audit_entries WHERE action = 'user.password_change'`).Scan(&detail)
		if detail != "2 API tokens revoked" {
			t.Errorf("audit detail %q", detail)
		}

		// A reset (the forgotten-password link) ends a new token too.
		third := newToken(t, env, "ann@example.org", "After the change")
		bearer(env, third).Get("/api/v1/organizations").Status(t, 200)
		env.Anon().PostForm("/password/forgot", url.Values{"email": {"ann@example.org"}}).Status(t, 200)
		m := regexp.MustCompile(`token=([A-Za-z0-9_-]+)`).FindStringSubmatch(env.Outbox("ann@example.org")[0].Body)
		if m == nil {
			t.Fatal("no reset link mailed")
		}
		env.Anon().PostForm("/password/reset", url.Values{"token": {m[1]}, "password": {"another new passphrase"}}).Status(t, 303)
		isProblem(t, bearer(env, third).Get("/api/v1/organizations"), 401)
		bearer(env, bobs).Get("/api/v1/organizations").Status(t, 200)
	})
}
