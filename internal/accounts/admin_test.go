package accounts_test

import (
	"net/url"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

func TestAdminUsers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		admin := env.User("admin@example.org", true)
		victim := env.User("victim@example.org", false)
		env.User("zoe@example.org", false)
		a := env.As("admin@example.org")
		env.As("victim@example.org").Get("/admin").Status(t, 403)
		a.Get("/admin").Status(t, 200).Contains(t, "Administration", "/admin/users", "/admin/audit", "/admin/outbox")

		a.Get("/admin/users?q=VICT").Status(t, 200).Contains(t, "victim@example.org", "1 user").NotContains(t, "zoe@example.org")
		a.Get("/admin/users?q=%25").Status(t, 200).Contains(t, "0 users")
		a.Get("/admin/users?per_page=1&page=2").Status(t, 200).Contains(t, "Page 2 of 3", "3 users")

		// Disable: confirmation, then every session ends and sign-in fails.
		vc := env.As("victim@example.org")
		a.Get("/admin/users/action?user="+itoa(victim.ID)+"&do=disable").Status(t, 200).Contains(t, "Are you sure you want to disable victim")
		a.Get("/admin/users/action?user="+itoa(victim.ID)+"&do=explode").Status(t, 404)
		a.PostForm("/admin/users/action", url.Values{"user": {itoa(victim.ID)}, "do": {"disable"}}).Status(t, 303)
		if vc.Get("/account").Code != 303 {
			t.Fatal("disabled user still signed in")
		}
		env.Anon().PostForm("/signin", url.Values{"email": {"victim@example.org"}, "password": {apptest.Password}}).Status(t, 401)
		a.Get("/admin/users?q=victim").Status(t, 200).Contains(t, "Disabled", "do=enable")
		a.PostForm("/admin/users/action", url.Values{"user": {itoa(victim.ID)}, "do": {"enable"}}).Status(t, 303)
		env.Anon().PostForm("/signin", url.Values{"email": {"victim@example.org"}, "password": {apptest.Password}}).Status(t, 303)

		// Never the last administrator.
		a.PostForm("/admin/users/action", url.Values{"user": {itoa(admin.ID)}, "do": {"remove_admin"}}).Status(t, 409).Contains(t, "at least one administrator")
		a.PostForm("/admin/users/action", url.Values{"user": {itoa(admin.ID)}, "do": {"disable"}}).Status(t, 422)
		a.PostForm("/admin/users/action", url.Values{"user": {itoa(victim.ID)}, "do": {"make_admin"}}).Status(t, 303)
		env.As("victim@example.org").Get("/admin").Status(t, 200)
		a.PostForm("/admin/users/action", url.Values{"user": {itoa(admin.ID)}, "do": {"remove_admin"}}).Status(t, 303)
		a.Get("/admin").Status(t, 403)
		for _, act := range []string{"user.disable", "user.enable", "user.admin_grant", "user.admin_revoke"} {
			if auditCount(t, env, act) != 1 {
				t.Fatalf("audit %s: %d", act, auditCount(t, env, act))
			}
		}
	})
}

func TestAdminAuditAndOutbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@example.org", true)
		env.User("owner@example.org", false)
		a := env.As("admin@example.org")
		o := env.As("owner@example.org")
		o.PostForm("/orgs/new", url.Values{"name": {"=HYPERLINK(\"http://evil\")"}, "sector": {"vcs"}, "legal_form": {"cio"}}).Status(t, 303)
		o.PostForm("/orgs/new", url.Values{"name": {"Fylde Food Bank"}, "sector": {"vcs"}, "legal_form": {"cio"}}).Status(t, 303)

		a.Get("/admin/audit").Status(t, 200).Contains(t, "organisation.create", "owner@example.org", "Fylde Food Bank")
		a.Get("/admin/audit?action=membership.").Status(t, 200).Contains(t, "membership.set").NotContains(t, "<code>organisation.create</code>")
		a.Get("/admin/audit?org=fylde-food-bank&object=organisation").Status(t, 200).Contains(t, "1 entry")
		a.Get("/admin/audit?user=owner@example.org").Status(t, 200).Contains(t, "4 entries")
		a.Get("/admin/audit?user=nobody@example.org").Status(t, 200).Contains(t, "0 entries")
		a.Get("/admin/audit?org=no-such-org").Status(t, 200).Contains(t, "0 entries")
		csv := a.Get("/admin/audit?format=csv&action=organisation.").Status(t, 200)
		if ct := csv.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("content type %s", ct)
		}
		if !strings.HasPrefix(strings.TrimPrefix(csv.Body, "\ufeff"), "id,at,user_id,actor,organisation,action") || strings.Count(csv.Body, "organisation.create") != 2 {
			t.Fatalf("csv:\n%s", csv.Body)
		}
		if !strings.Contains(csv.Body, `"'=HYPERLINK(""http://evil"")"`) {
			t.Fatalf("formula not neutralised:\n%s", csv.Body)
		}
		// Read only: no route changes it, and the database refuses edits.
		if res := a.PostForm("/admin/audit", url.Values{}); res.Code != 404 && res.Code != 405 {
			t.Fatalf("POST /admin/audit answered %d", res.Code)
		}
		if _, err := d.W().ExecContext(env.Ctx, `UPDATE audit_log SET detail = 'x'`); err == nil {
			t.Fatal("audit log was edited")
		}
		if _, err := d.W().ExecContext(env.Ctx, `DELETE FROM audit_log`); err == nil {
			t.Fatal("audit log was deleted")
		}
		o.Get("/admin/audit").Status(t, 403)
		o.Get("/admin/audit?format=csv").Status(t, 403)

		// Outbox: bodies readable by admins, filtered by recipient.
		o.PostForm("/account/email", url.Values{"email": {"moved@example.org"}, "current_password": {apptest.Password}}).Status(t, 200)
		a.Get("/admin/outbox").Status(t, 200).Contains(t, "Confirm your new email address", "moved@example.org", "/account/email/confirm?token=")
		a.Get("/admin/outbox?to=owner@example.org").Status(t, 200).Contains(t, "1 message", "is being changed").NotContains(t, "/account/email/confirm?token=")
		o.Get("/admin/outbox").Status(t, 403)
	})
}
