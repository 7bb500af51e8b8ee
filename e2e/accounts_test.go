package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestAccountPagesA11y walks the account, organisation, member and admin
// pages (issue 3) as an organisation owner, a member they invite and an
// administrator, including each form with its errors and each "are you
// sure" page, and checks every page with axe-core.
func TestAccountPagesA11y(t *testing.T) {
	t.Parallel()
	s := app(t)
	var c jrChecked
	u := jrUnique()
	owner, member, admin := "acc-owner-"+u+"@example.org", "acc-member-"+u+"@example.org", "acc-admin-"+u+"@example.org"
	createUser(t, owner, false)
	createUser(t, member, false)
	createUser(t, admin, true)

	// The account pages, and their forms with errors.
	ow := jrSignedIn(t, owner)
	jrOK(t, ow, "GET /account", visit(t, ow, "/account"))
	c.page(t, ow, "account")
	jrOK(t, ow, "change password link", submit(t, ow, `main a[href="/account/password"]`))
	c.page(t, ow, "change password")
	fill(t, ow, "current_password", "not my password", "password", "short")
	if st := submit(t, ow, `main form[action="/account/password"] button[type=submit]`); st != http.StatusUnprocessableEntity && st != http.StatusUnauthorized {
		t.Errorf("change password with a wrong current password and a short new one: status %d", st)
	}
	c.page(t, ow, "change password with errors")
	if links := summaryLinks(t, ow); !links["#current_password"] && !links["#password"] {
		t.Errorf("the error summary links to %v, want the password fields", links)
	}
	jrOK(t, ow, "GET /account/email", visit(t, ow, "/account/email"))
	c.page(t, ow, "change email")
	fill(t, ow, "email", "not an email address")
	if st := submit(t, ow, `main form[action="/account/email"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Errorf("change email to a bad address without the password: status %d, want 422", st)
	}
	c.page(t, ow, "change email with errors")
	if !summaryLinks(t, ow)["#email"] {
		t.Error("the error summary does not link to the email field")
	}
	jrOK(t, ow, "GET /account", visit(t, ow, "/account"))
	jrOK(t, ow, "sign out everywhere link", submit(t, ow, `main a[href="/account/signout-everywhere"]`))
	c.page(t, ow, "sign out everywhere")

	// Organisations.
	jrOK(t, ow, "GET /orgs", visit(t, ow, "/orgs"))
	c.page(t, ow, "your organisations (none)")
	jrOK(t, ow, "GET /orgs/new", visit(t, ow, "/orgs/new"))
	fill(t, ow, "name", "   ")
	if st := submit(t, ow, `main form[action="/orgs/new"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Errorf("empty organisation form: status %d, want 422", st)
	}
	c.page(t, ow, "new organisation with errors")
	links := summaryLinks(t, ow)
	for _, want := range []string{"#name", "#sector", "#legal_form"} {
		if !links[want] {
			t.Errorf("the organisation form's error summary does not link to %s (links %v)", want, links)
		}
	}
	org := "Waterloo Youth Hub " + u
	slug := jrNewOrg(t, ow, org)
	c.page(t, ow, "organisation")
	jrOK(t, ow, "GET /orgs", visit(t, ow, "/orgs"))
	c.page(t, ow, "your organisations")

	// Members: invite with an error, then for real; the invitee accepts.
	members := "/orgs/" + slug + "/members"
	ow = jrSignedIn(t, owner)
	jrOK(t, ow, "GET "+members, visit(t, ow, members))
	c.page(t, ow, "members")
	fill(t, ow, "email", "nobody at all")
	if st := submit(t, ow, fmt.Sprintf(`main form[action=%q] button[type=submit]`, members+"/invite")); st != http.StatusUnprocessableEntity {
		t.Errorf("inviting a bad email address: status %d, want 422", st)
	}
	c.page(t, ow, "members with an error")
	fill(t, ow, "email", member)
	choose(t, ow, "role", "editor")
	jrOK(t, ow, "invite", submit(t, ow, fmt.Sprintf(`main form[action=%q] button[type=submit]`, members+"/invite")))
	c.page(t, ow, "members with a pending invitation")
	link := s.local(t, mailTo(t, member, "").Link(t, "/invitations/"))

	mb := jrSignedIn(t, member)
	jrOK(t, mb, "open the invitation signed in", visit(t, mb, link))
	c.page(t, mb, "invitation (signed in)")
	jrOK(t, mb, "accept", submit(t, mb, `main form[action^="/invitations/"] button[type=submit]`))
	jrOK(t, mb, "GET "+members, visit(t, mb, members))
	c.page(t, mb, "members (as an editor)")
	if st := visit(t, mb, link); st != http.StatusNotFound {
		t.Errorf("a used invitation: status %d, want 404", st)
	}
	c.page(t, mb, "used invitation")
	// Someone signed in as another person is told so.
	jrOK(t, ow, "GET "+members, visit(t, ow, members))
	fill(t, ow, "email", "acc-third-"+u+"@example.org")
	jrOK(t, ow, "invite a third person", submit(t, ow, fmt.Sprintf(`main form[action=%q] button[type=submit]`, members+"/invite")))
	third := s.local(t, mailTo(t, "acc-third-"+u+"@example.org", "").Link(t, "/invitations/"))
	jrOK(t, mb, "open someone else's invitation", visit(t, mb, third))
	if !strings.Contains(text(t, mb, "main"), "signed in as") {
		t.Errorf("an invitation for someone else does not say so: %s", text(t, mb, "main"))
	}
	c.page(t, mb, "invitation for someone else")

	// The owner removes the member, through the confirmation page.
	jrOK(t, ow, "GET "+members, visit(t, ow, members))
	href := jrEval[string](t, ow, fmt.Sprintf(`(() => { const a = [...document.querySelectorAll('main a[href*="/members/remove"]')].find(a => a.textContent.includes(%q)); return a ? a.getAttribute('href') : ''; })()`, "acc-member-"+u))
	if href == "" {
		t.Fatal("the members page has no remove link for the member")
	}
	jrOK(t, ow, "remove link", visit(t, ow, href))
	if !strings.Contains(text(t, ow, "h1"), "acc-member-"+u) {
		t.Errorf("the remove confirmation asks %q", text(t, ow, "h1"))
	}
	c.page(t, ow, "remove member confirmation")
	jrOK(t, ow, "remove", submit(t, ow, fmt.Sprintf(`main form[action=%q] button[type=submit]`, members+"/remove")))
	if strings.Contains(text(t, ow, "main table"), member) {
		t.Error("the removed member is still listed")
	}

	// Administration.
	ad := jrSignedIn(t, admin)
	for _, p := range []struct{ path, name string }{
		{"/admin", "admin home"},
		{"/admin/users", "admin users"},
		{"/admin/users?q=" + u, "admin users search"},
		{"/admin/audit", "admin audit log"},
		{"/admin/audit?org=" + slug + "&action=membership", "admin audit log filtered"},
		{"/admin/outbox", "admin outbox"},
		{"/admin/outbox?to=" + member, "admin outbox filtered"},
		{"/orgs/" + slug, "organisation (admin, not a member)"},
		{members, "members (admin, not a member)"},
	} {
		jrOK(t, ad, "GET "+p.path, visit(t, ad, p.path))
		c.page(t, ad, p.name)
	}
	// An email opened on the outbox page fits a 320 pixel wide screen
	// (WCAG 1.4.10 reflow): long links wrap instead of widening the page.
	jrOK(t, ad, "GET outbox", visit(t, ad, "/admin/outbox?to="+member))
	jrClick(t, ad, "main details summary")
	jrFits320(t, ad, "the outbox with an email open")
	jrOK(t, ad, "GET /admin/users search", visit(t, ad, "/admin/users?q="+u))
	if n := count(t, ad, "main tbody tr"); n != 3 {
		t.Errorf("searching users for %q finds %d, want 3", u, n)
	}
	jrOK(t, ad, "disable link", submit(t, ad, `main a[href*="do=disable"]`))
	c.page(t, ad, "disable user confirmation")

	// Password reset with a bad token; signing out everywhere.
	anon := newTab(t)
	jrOK(t, anon, "GET /password/reset bad token", visit(t, anon, "/password/reset?token=not-a-real-token"))
	if !strings.Contains(text(t, anon, "main"), "expired") || count(t, anon, `main a[href="/password/forgot"]`) != 1 {
		t.Errorf("a bad reset link does not explain itself: %s", text(t, anon, "main"))
	}
	c.page(t, anon, "password reset, bad token")

	ow = jrSignedIn(t, owner)
	jrOK(t, ow, "GET signout-everywhere", visit(t, ow, "/account/signout-everywhere"))
	jrOK(t, ow, "sign out everywhere", submit(t, ow, `main form[action="/account/signout-everywhere"] button[type=submit]`))
	c.page(t, ow, "after signing out everywhere")
	visit(t, ow, "/account")
	if p := location(t, ow).Path; p != "/signin" {
		t.Errorf("after signing out everywhere /account shows %s", p)
	}
}
