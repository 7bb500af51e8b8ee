package e2e

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPublicPages visits every public page of the shell, and a 404.
func TestPublicPages(t *testing.T) {
	t.Parallel()
	ctx := newTab(t)
	pages := []struct {
		path, name string
		status     int
	}{
		{"/", "home", 200},
		{"/about", "about", 200},
		{"/accessibility", "accessibility statement", 200},
		{"/privacy", "privacy notice", 200},
		{"/signup", "sign-up form", 200},
		{"/signin", "sign-in form", 200},
		{"/password/forgot", "forgotten password form", 200},
		{"/verify/resend", "resend confirmation form", 200},
		{"/signin/unlock?token=expired", "unlock sign-in (expired link)", 200},
		{"/no-such-page-" + fmt.Sprint(time.Now().UnixNano()), "404 page", 404},
	}
	for _, p := range pages {
		if st := visit(t, ctx, p.path); st != p.status {
			t.Errorf("GET %s: status %d, want %d", p.path, st, p.status)
			continue
		}
		checkPage(t, ctx, p.name)
	}
	// The 404 page says so, and links home.
	if h := text(t, ctx, "h1"); !strings.Contains(h, "not found") {
		t.Errorf("404 page heading %q does not say the page was not found", h)
	}
	if count(t, ctx, `main a[href="/"]`) == 0 {
		t.Error("404 page has no link to the home page")
	}
}

// TestSignInErrors submits the sign-in form empty, then half-filled: the
// error summary must link to each field in error, and what was typed stays.
func TestSignInErrors(t *testing.T) {
	t.Parallel()
	ctx := newTab(t)
	visit(t, ctx, "/signin")
	if st := submit(t, ctx, `main form[action="/signin"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("empty sign-in form: status %d, want 422", st)
	}
	checkPage(t, ctx, "sign-in form with errors")
	links := summaryLinks(t, ctx)
	for _, want := range []string{"#email", "#password"} {
		if !links[want] {
			t.Errorf("error summary has no link to %s (links: %v)", want, links)
		}
	}
	// Each summary link leads to a field that exists and has its message.
	for href := range links {
		id := strings.TrimPrefix(href, "#")
		if count(t, ctx, "#"+id) != 1 {
			t.Errorf("error summary links to %s, which is not on the page", href)
		}
		if count(t, ctx, "#"+id+"-error") != 1 {
			t.Errorf("field %s has no inline error message (#%s-error)", href, id)
		}
	}
	// Following a summary link moves focus to the field.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.ph-error-summary a[href="#password"]`))); err != nil {
		t.Fatal(err)
	}
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ''`))
	if err != nil || focused != "password" {
		t.Errorf("after following the summary link focus is on %q, want the password field (%v)", focused, err)
	}

	fill(t, ctx, "email", "someone@example.org")
	if st := submit(t, ctx, `main form[action="/signin"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("sign-in without password: status %d, want 422", st)
	}
	checkPage(t, ctx, "sign-in form with a missing password")
	links = summaryLinks(t, ctx)
	if !links["#password"] || links["#email"] {
		t.Errorf("error summary links = %v, want only #password", links)
	}
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#email")))
	if err != nil || v != "someone@example.org" {
		t.Errorf("the email typed was not kept: %q (%v)", v, err)
	}

	// A wrong password is refused without saying whether the account exists.
	fill(t, ctx, "email", "nobody@example.org", "password", "not the password at all")
	if st := submit(t, ctx, `main form[action="/signin"] button[type=submit]`); st != http.StatusUnauthorized {
		t.Fatalf("sign-in with a wrong password: status %d, want 401", st)
	}
	checkPage(t, ctx, "sign-in form with a wrong password")
}

// summaryLinks returns the hrefs of the error summary's links.
func summaryLinks(t testing.TB, ctx context.Context) map[string]bool {
	t.Helper()
	hrefs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('.ph-error-summary a')].map(a => a.getAttribute('href'))`))
	if err != nil {
		t.Fatalf("read the error summary: %v", err)
	}
	if len(hrefs) == 0 {
		t.Errorf("%s has no error summary with links", location(t, ctx))
	}
	out := map[string]bool{}
	for _, h := range hrefs {
		out[h] = true
	}
	return out
}

// TestJourney is the walk a new user takes: sign up, confirm the email
// from the outbox, sign in, create an organisation, invite a member, and
// sign out, with every page checked.
func TestJourney(t *testing.T) {
	t.Parallel()
	s := app(t)
	ctx := newTab(t)
	email := fmt.Sprintf("ada-%d@example.org", time.Now().UnixNano())
	var slug string

	t.Run("sign up", func(t *testing.T) {
		visit(t, ctx, "/")
		checkPage(t, ctx, "home")
		if st := submit(t, ctx, `main a[href="/signup"]`); st != 200 {
			t.Fatalf("the home page's create-an-account link: status %d", st)
		}
		checkPage(t, ctx, "sign-up form")
		fill(t, ctx, "name", "Ada Lovelace", "email", email, "password", Password)
		if st := submit(t, ctx, `main form[action="/signup"] button[type=submit]`); st != 200 {
			t.Fatalf("sign up: status %d: %s", st, text(t, ctx, "main"))
		}
		if h := text(t, ctx, "h1"); !strings.Contains(h, "Check your email") {
			t.Fatalf("after sign-up the page says %q, want “Check your email”", h)
		}
		checkPage(t, ctx, "check your email")
	})

	t.Run("an unconfirmed account cannot sign in", func(t *testing.T) {
		visit(t, ctx, "/signin")
		fill(t, ctx, "email", email, "password", Password)
		if st := submit(t, ctx, `main form[action="/signin"] button[type=submit]`); st != http.StatusForbidden {
			t.Fatalf("sign in before confirming: status %d, want 403", st)
		}
		checkPage(t, ctx, "sign-in before confirming")
	})

	t.Run("confirm email from the outbox", func(t *testing.T) {
		m := mailTo(t, email, "Confirm your email")
		link := s.local(t, m.Link(t, "/verify"))
		if st := visit(t, ctx, link); st != 200 {
			t.Fatalf("open the confirmation link: status %d", st)
		}
		checkPage(t, ctx, "confirm email")
		if st := submit(t, ctx, `main form[action="/verify"] button[type=submit]`); st != 200 {
			t.Fatalf("confirm: status %d", st)
		}
		if p := location(t, ctx).Path; p != "/signin" {
			t.Fatalf("after confirming the page is %s, want /signin", p)
		}
		if msg := text(t, ctx, ".ph-notice"); !strings.Contains(msg, "confirmed") {
			t.Errorf("after confirming the notice says %q", msg)
		}
		checkPage(t, ctx, "sign-in after confirming")
		// The link works once.
		visit(t, ctx, link)
		if !strings.Contains(text(t, ctx, "main"), "already been used") {
			t.Error("a used confirmation link is offered again")
		}
		checkPage(t, ctx, "used confirmation link")
	})

	t.Run("sign in", func(t *testing.T) {
		signIn(t, ctx, email, Password)
		if p := location(t, ctx).Path; p != "/home" {
			t.Errorf("after signing in the page is %s, want /home", p)
		}
		if !strings.Contains(text(t, ctx, "main"), "Nothing needs doing") {
			t.Error("a new account's home does not say nothing needs doing")
		}
		checkPage(t, ctx, "home after sign-in")
		if !strings.Contains(text(t, ctx, "header"), "Ada Lovelace") {
			t.Error("the header does not show the signed-in user's name")
		}
		checkPage(t, ctx, "account")
	})

	t.Run("create an organisation", func(t *testing.T) {
		st := visit(t, ctx, "/orgs/new")
		if st != 200 {
			t.Fatalf("GET /orgs/new: status %d", st)
		}
		checkPage(t, ctx, "new organisation form")
		// Submitted empty, the form explains what is missing.
		if st := submit(t, ctx, `main form button[type=submit]`); st != http.StatusUnprocessableEntity {
			t.Errorf("empty organisation form: status %d, want 422", st)
		} else {
			checkPage(t, ctx, "new organisation form with errors")
			if !summaryLinks(t, ctx)["#name"] {
				t.Error("the error summary does not link to the name field")
			}
		}
		name := fmt.Sprintf("Bispham Befrienders %d", time.Now().UnixNano()%100000)
		fill(t, ctx, "name", name)
		choose(t, ctx, "sector", "vcs")
		choose(t, ctx, "legal_form", "")
		if st := submit(t, ctx, `main form button[type=submit]`); st != 200 {
			t.Fatalf("create organisation: status %d: %s", st, text(t, ctx, "main"))
		}
		if !strings.Contains(text(t, ctx, "main"), name) {
			t.Errorf("after creating it the page %s does not name the organisation", location(t, ctx))
		}
		checkPage(t, ctx, "new organisation's page")
		slug = orgSlug(t, ctx, name)
	})

	t.Run("invite a member", func(t *testing.T) {
		if slug == "" {
			t.Fatal("no organisation: the step that creates one failed")
		}
		path := "/orgs/" + slug + "/members"
		st := visit(t, ctx, path)
		if st != 200 {
			t.Fatalf("GET %s: status %d", path, st)
		}
		checkPage(t, ctx, "members")
		invitee := "grace-" + email
		fill(t, ctx, "email", invitee)
		if count(t, ctx, "select#role") == 1 {
			choose(t, ctx, "role", "editor")
		} else if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`input[name=role][value=editor]`))); err != nil {
			t.Fatalf("choose the editor role: %v", err)
		}
		sel := fmt.Sprintf(`main form[action=%q] button[type=submit]`, path+"/invite")
		if st := submit(t, ctx, sel); st != 200 {
			t.Fatalf("invite: status %d: %s", st, text(t, ctx, "main"))
		}
		if !strings.Contains(text(t, ctx, "main"), invitee) {
			t.Errorf("after inviting, %s does not list %s", location(t, ctx), invitee)
		}
		checkPage(t, ctx, "members after inviting")

		m := mailTo(t, invitee, "")
		link := s.local(t, m.Link(t, "/invitations/"))
		other := newTab(t)
		if st := visit(t, other, link); st != 200 {
			t.Fatalf("open the invitation link signed out: status %d", st)
		}
		checkPage(t, other, "invitation (signed out)")
	})

	t.Run("sign out", func(t *testing.T) {
		signOut(t, ctx)
		if msg := text(t, ctx, ".ph-notice"); !strings.Contains(msg, "signed out") {
			t.Errorf("after signing out the notice says %q", msg)
		}
		checkPage(t, ctx, "home after signing out")
		visit(t, ctx, "/account")
		if p := location(t, ctx).Path; p != "/signin" {
			t.Errorf("after signing out /account shows %s, want the sign-in page", p)
		}
	})
}

// TestAdminOutbox signs in as an administrator made with `partnerhub user
// create --admin` and reads the outbox page.
func TestAdminOutbox(t *testing.T) {
	t.Parallel()
	email := fmt.Sprintf("admin-%d@example.org", time.Now().UnixNano())
	createUser(t, email, true)
	ctx := newTab(t)
	signIn(t, ctx, email, Password)
	for _, p := range []string{"/admin", "/admin/outbox"} {
		st := visit(t, ctx, p)
		if st != 200 {
			t.Fatalf("GET %s as an administrator: status %d", p, st)
		}
		checkPage(t, ctx, "admin "+p)
	}
	// A user who is not an administrator is refused.
	plain := fmt.Sprintf("plain-%d@example.org", time.Now().UnixNano())
	createUser(t, plain, false)
	other := newTab(t)
	signIn(t, other, plain, Password)
	if st := visit(t, other, "/admin/outbox"); st != http.StatusForbidden && st != http.StatusNotFound {
		t.Errorf("GET /admin/outbox as a plain user: status %d, want 403 or 404", st)
	}
	checkPage(t, other, "admin outbox refused")
}

var orgPathRE = regexp.MustCompile(`^/orgs/([^/?#]+)`)

// orgSlug finds the new organisation's slug: from the page's address when
// it is the organisation's page, else from a link that names it.
func orgSlug(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	if m := orgPathRE.FindStringSubmatch(location(t, ctx).Path); m != nil && m[1] != "new" {
		return m[1]
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { const a = [...document.querySelectorAll('main a[href^="/orgs/"]')].find(a => a.textContent.includes(%q)); return a ? a.getAttribute('href') : ''; })()`, name)))
	if err != nil {
		t.Fatal(err)
	}
	if m := orgPathRE.FindStringSubmatch(href); m != nil {
		return m[1]
	}
	t.Fatalf("cannot find the new organisation's address: the page is %s and links to it nowhere", location(t, ctx))
	return ""
}
