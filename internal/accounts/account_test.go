package accounts_test

import (
	"net/url"
	"strings"
	"testing"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// auditCount counts audit rows with action.
func auditCount(t *testing.T, env *apptest.Env, action string) int {
	t.Helper()
	var n int
	if err := env.DB.Q().QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM audit_log WHERE action = $1`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAccountPageListsSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("pat@example.org", false)
		c := env.As("pat@example.org")
		env.As("pat@example.org")
		res := c.Get("/account").Status(t, 200).Contains(t, "pat@example.org", "Where you are signed in", "apptest", "This browser")
		if n := strings.Count(res.Body, "<td>127.0.0.1</td>"); n != 2 {
			t.Fatalf("want 2 sessions listed, got %d", n)
		}
		env.Anon().Get("/account").Status(t, 303)
	})
}

func TestChangePassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("pat@example.org", false)
		c, other := env.As("pat@example.org"), env.As("pat@example.org")
		c.Get("/account/password").Status(t, 200).Contains(t, `name="current_password"`, `name="password"`)
		c.PostForm("/account/password", url.Values{"current_password": {"wrong password!"}, "password": {"a brand new passphrase"}}).
			Status(t, 422).Contains(t, "Your current password is not correct", `href="#current_password"`)
		c.PostForm("/account/password", url.Values{"current_password": {apptest.Password}, "password": {"short"}}).
			Status(t, 422).Contains(t, "at least 8 characters")
		c.PostForm("/account/password", url.Values{"current_password": {apptest.Password}, "password": {"password123"}}).
			Status(t, 422).Contains(t, "too common")
		if n := auditCount(t, env, "user.password_change"); n != 0 {
			t.Fatalf("failed changes audited as done: %d", n)
		}
		res := c.PostForm("/account/password", url.Values{"current_password": {apptest.Password}, "password": {"a brand new passphrase"}})
		if res.Status(t, 303).Location() != "/account" {
			t.Fatalf("redirect to %s", res.Location())
		}
		c.Get("/account").Status(t, 200)
		if other.Get("/account").Code != 303 {
			t.Fatal("the other session survived a password change")
		}
		if n := auditCount(t, env, "user.password_change"); n != 1 {
			t.Fatalf("audit rows: %d", n)
		}
		if msgs := env.Outbox("pat@example.org"); len(msgs) != 1 || msgs[0].Kind != "password_changed" {
			t.Fatalf("notice: %+v", msgs)
		}
		anon := env.Anon()
		anon.PostForm("/signin", url.Values{"email": {"pat@example.org"}, "password": {apptest.Password}}).Status(t, 401)
		anon.PostForm("/signin", url.Values{"email": {"pat@example.org"}, "password": {"a brand new passphrase"}}).Status(t, 303)
	})
}

func TestChangeEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		u := env.User("pat@example.org", false)
		env.User("taken@example.org", false)
		c := env.As("pat@example.org")
		c.PostForm("/account/email", url.Values{"email": {"not an email"}, "current_password": {apptest.Password}}).
			Status(t, 422).Contains(t, "correct format", `value="not an email"`)
		c.PostForm("/account/email", url.Values{"email": {"new@example.org"}, "current_password": {"not my password"}}).
			Status(t, 422).Contains(t, "Your current password is not correct")
		if n := len(env.Outbox("new@example.org")); n != 0 {
			t.Fatalf("mail sent before the password was checked: %d", n)
		}
		// An address with an account gets the same answer, and only a notice.
		c.PostForm("/account/email", url.Values{"email": {"taken@example.org"}, "current_password": {apptest.Password}}).
			Status(t, 200).Contains(t, "Check your email")
		if msgs := env.Outbox("taken@example.org"); len(msgs) != 1 || msgs[0].Kind != "email_change_exists" || tokenRe.MatchString(msgs[0].Body) {
			t.Fatalf("taken address: %+v", msgs)
		}

		c.PostForm("/account/email", url.Values{"email": {"New@Example.org"}, "current_password": {apptest.Password}}).
			Status(t, 200).Contains(t, "Check your email", "new@example.org")
		msgs := env.Outbox("new@example.org")
		if len(msgs) != 1 || msgs[0].Kind != "email_change" || !strings.Contains(msgs[0].Body, "/account/email/confirm?token=") {
			t.Fatalf("new address: %+v", msgs)
		}
		if old := env.Outbox("pat@example.org"); len(old) != 1 || old[0].Kind != "email_change_notice" {
			t.Fatalf("old address not told: %+v", old)
		}
		tok := tokenRe.FindStringSubmatch(msgs[0].Body)[1]
		// Nothing changes until the link is used.
		if got, _ := accounts.UserByID(env.Ctx, d.Q(), u.ID); got.Email != "pat@example.org" {
			t.Fatalf("changed early: %s", got.Email)
		}
		anon := env.Anon()
		anon.Get("/account/email/confirm?token="+tok).Status(t, 200).Contains(t, "Use this email address", "new@example.org")
		anon.Get("/account/email/confirm?token=nonsense").Status(t, 200).Contains(t, "expired or has already been used")
		anon.PostForm("/account/email/confirm", url.Values{"token": {tok}}).Status(t, 303)
		anon.PostForm("/account/email/confirm", url.Values{"token": {tok}}).Status(t, 400)
		got, err := accounts.UserByID(env.Ctx, d.Q(), u.ID)
		if err != nil || got.Email != "new@example.org" || !got.Verified() {
			t.Fatalf("after confirm: %+v %v", got, err)
		}
		if n := auditCount(t, env, "user.email_change"); n != 1 {
			t.Fatalf("audit: %d", n)
		}
		anon.PostForm("/signin", url.Values{"email": {"new@example.org"}, "password": {apptest.Password}}).Status(t, 303)
	})
}

func TestSignoutEverywhere(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("pat@example.org", false)
		env.User("bystander@example.org", false)
		a, b, other := env.As("pat@example.org"), env.As("pat@example.org"), env.As("bystander@example.org")
		a.Get("/account/signout-everywhere").Status(t, 200).Contains(t, "Are you sure")
		if loc := a.PostForm("/account/signout-everywhere", nil).Status(t, 303).Location(); loc != "/signin" {
			t.Fatalf("redirect %s", loc)
		}
		for i, c := range []*apptest.Client{a, b} {
			if c.Get("/account").Code != 303 {
				t.Fatalf("session %d survived", i)
			}
		}
		other.Get("/account").Status(t, 200)
		if n := auditCount(t, env, "user.signout_everywhere"); n != 1 {
			t.Fatalf("audit: %d", n)
		}
	})
}

// The account page and an organisation's dashboard read their facts in
// one query each (two-factor status with the user, the member count with
// the organisation) through kept statements: each shows the change a
// write made on the very next request.
func TestAccountAndDashboardShowCurrentFacts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("pat@example.org", false)
		sam := env.User("sam@example.org", false)
		org := env.Org("Pat Advocacy", "vcs", map[string]string{"pat@example.org": "owner"})
		c := env.As("pat@example.org")
		c.Get("/orgs/"+org.Slug).Status(t, 200).Contains(t, "<dt>Members</dt><dd>1</dd>")
		if err := accounts.AddMember(env.Ctx, d.W(), org.ID, sam.ID, "viewer"); err != nil {
			t.Fatal(err)
		}
		c.Get("/orgs/"+org.Slug).Status(t, 200).Contains(t, "<dt>Members</dt><dd>2</dd>")
		c.Get("/account").Status(t, 200).Contains(t, "<dt>Two-factor sign-in</dt><dd>Off</dd>")
		env.EnrolTOTP("pat@example.org")
		c.Get("/account").Status(t, 200).Contains(t, "<dt>Two-factor sign-in</dt><dd>On</dd>")
	})
}
