package privacy_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// A signed-in person downloads a ZIP of their own data; nothing in the
// request can make it somebody else's, and the register is admins' only.
func TestDownloadIsOwnDataOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("me@example.org", false)
		env.User("other@example.org", false)
		me := env.As("me@example.org")
		me.Get("/account/data").Status(t, 200).Contains(t, "Download your data", "account", "Close your account")
		for _, path := range []string{"/account/data.zip", "/account/data.zip?email=other@example.org", "/account/data.zip?user=2"} {
			res := me.Get(path).Status(t, 200)
			if ct := res.Header.Get("Content-Type"); ct != "application/zip" {
				t.Fatalf("%s: content type %q", path, ct)
			}
			files := readZip(t, []byte(res.Body))
			if !strings.Contains(files["data/account.json"], "me@example.org") {
				t.Errorf("%s: account.json %s", path, files["data/account.json"])
			}
			for name, c := range files {
				if strings.Contains(c, "other@example.org") {
					t.Errorf("%s: %s holds the other person's data", path, name)
				}
			}
		}
		env.Anon().Get("/account/data.zip").NotContains(t, "PK")
		for _, path := range []string{"/admin/privacy/requests", "/admin/privacy/requests/new", "/admin/privacy/holds"} {
			if res := me.Get(path); res.Code == 200 {
				t.Errorf("%s answers a non-admin with 200", path)
			}
		}
		var n int
		d.Q().QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM audit_entries WHERE action = 'privacy.export' AND actor = 'me@example.org'`).Scan(&n)
		if n != 3 {
			t.Errorf("%d exports audited, want 3", n)
		}
	})
}

// Closing an account: a confirmation, then the password (a wrong one is
// refused with the form again), then the data is erased and the person
// signed out.
func TestCloseAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@example.org", true)
		u := env.User("leaving@example.org", false)
		env.Org("Leavers Trust", "vcs", map[string]string{"leaving@example.org": "owner"})
		c := env.As("leaving@example.org")
		// A session that proved the password more than a few minutes ago
		// proves it again first.
		if err := d.Write(env.Ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(env.Ctx, `UPDATE sessions SET reauth_at = $1 WHERE user_id = $2`, time.Now().Add(-time.Hour), u.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if loc := c.Get("/account/close").Status(t, 303).Location(); !strings.HasPrefix(loc, "/account/reauth?next=") {
			t.Fatalf("an old session closing the account goes to %s, want the re-authentication page", loc)
		}
		if loc := c.PostForm("/account/close", url.Values{"step": {"password"}, "password": {apptest.Password}}).Status(t, 303).Location(); !strings.HasPrefix(loc, "/account/reauth?next=") {
			t.Fatalf("an old session's close goes to %s", loc)
		}
		c.PostForm("/account/reauth", url.Values{"current_password": {apptest.Password}, "next": {"/account/close"}}).Status(t, 303)
		c.Get("/account/close").Status(t, 200).Contains(t, "Are you sure you want to close your account?", "Leavers Trust has no other owner")
		c.PostForm("/account/close", url.Values{"step": {"confirmed"}}).Status(t, 200).Contains(t, `name="password"`)
		c.PostForm("/account/close", url.Values{"step": {"password"}, "password": {"wrong password here"}}).Status(t, 422).Contains(t, "There is a problem", "Your password is not correct")
		var email string
		d.Q().QueryRowContext(env.Ctx, `SELECT email FROM users WHERE id = $1`, u.ID).Scan(&email)
		if email != "leaving@example.org" {
			t.Fatalf("a wrong password changed the account: %q", email)
		}
		res := c.PostForm("/account/close", url.Values{"step": {"password"}, "password": {apptest.Password}}).Status(t, 303)
		if res.Location() != "/" {
			t.Errorf("after closing: %s", res.Location())
		}
		d.Q().QueryRowContext(env.Ctx, `SELECT email FROM users WHERE id = $1`, u.ID).Scan(&email)
		if !strings.HasSuffix(email, "@erased.invalid") {
			t.Errorf("email after closing: %q", email)
		}
		if res := c.Get("/account"); res.Code == 200 {
			t.Error("still signed in after closing the account")
		}
		env.As("admin@example.org").Get("/admin/audit?action=organisation.owner_handover").Status(t, 200).Contains(t, "Leavers Trust")
	})
}

// The register: a request logged (bad input re-shown), due a month later,
// extended with a reason, exported, erased and completed, all audited.
func TestRequestRegister(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@example.org", true)
		org := env.Org("Contact Org", "vcs", nil)
		if _, err := d.W().ExecContext(env.Ctx, `INSERT INTO org_contacts (organisation_id, name, email, created_at) VALUES ($1, 'Cora Contact', 'cora@example.org', $2)`, org.ID, db.Now()); err != nil {
			t.Fatal(err)
		}
		a := env.As("admin@example.org")
		a.Get("/admin/privacy/requests").Status(t, 200).Contains(t, "No requests have been logged yet")
		a.Get("/admin/privacy/requests/new").Status(t, 200)
		bad := url.Values{"kind": {"erasure"}, "email": {"not an email"}, "name": {"Cora Contact"}, "channel": {"post"}, "received_on": {"2099-01-01"}, "notes": {"ID checked by letter"}}
		a.PostForm("/admin/privacy/requests", bad).Status(t, 422).Contains(t, "There is a problem", "email address", "today or in the past", "ID checked by letter", "Cora Contact")
		received := time.Now().UTC().AddDate(0, 0, -3).Format(time.DateOnly)
		good := url.Values{"kind": {"erasure"}, "email": {"Cora@Example.org"}, "name": {"Cora Contact"}, "channel": {"post"}, "received_on": {received}}
		loc := a.PostForm("/admin/privacy/requests", good).Status(t, 303).Location()
		if !strings.HasPrefix(loc, "/admin/privacy/requests/") {
			t.Fatalf("after logging: %s", loc)
		}
		day, _ := time.Parse(time.DateOnly, received)
		a.Get(loc).Status(t, 200).Contains(t, "cora@example.org", "organisation contacts: 1", day.AddDate(0, 1, 0).Format("2 January 2006"))
		a.PostForm(loc+"/extend", url.Values{"reason": {""}}).Status(t, 422).Contains(t, "Say why")
		a.PostForm(loc+"/extend", url.Values{"reason": {"Several requests at once"}}).Status(t, 303)
		a.Get(loc).Contains(t, day.AddDate(0, 3, 0).Format("2 January 2006"), "Several requests at once")
		files := readZip(t, []byte(a.Get(loc+"/export").Status(t, 200).Body))
		if !strings.Contains(files["data/organisation-contacts.csv"], "Cora Contact") {
			t.Errorf("contacts in the export: %q", files["data/organisation-contacts.csv"])
		}
		a.Get(loc+"/erase").Status(t, 200).Contains(t, "Are you sure you want to erase everything held about cora@example.org?")
		a.PostForm(loc+"/erase", nil).Status(t, 303)
		var n int
		d.Q().QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM org_contacts WHERE email = 'cora@example.org'`).Scan(&n)
		if n != 0 {
			t.Error("the contact survived erasure")
		}
		a.PostForm(loc+"/complete", nil).Status(t, 303)
		a.PostForm(loc+"/complete", nil).Status(t, 409)
		a.Get("/admin/privacy/requests?format=csv").Status(t, 200).Contains(t, "completed")
		for _, action := range []string{"privacy.request_log", "privacy.request_extend", "privacy.request_export", "privacy.erase", "privacy.request_complete"} {
			d.Q().QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM audit_entries WHERE action = $1`, action).Scan(&n)
			if n != 1 {
				t.Errorf("%s audited %d times", action, n)
			}
		}
		// A legal hold refuses erasure, with its reason.
		a.PostForm("/admin/privacy/holds", url.Values{"hold_email": {"held@example.org"}, "hold_reason": {""}}).Status(t, 422).Contains(t, "held@example.org")
		a.PostForm("/admin/privacy/holds", url.Values{"hold_email": {"held@example.org"}, "hold_reason": {"Employment tribunal"}}).Status(t, 303)
		good.Set("email", "held@example.org")
		loc = a.PostForm("/admin/privacy/requests", good).Status(t, 303).Location()
		a.PostForm(loc+"/erase", nil).Status(t, 409).Contains(t, "Employment tribunal")
	})
}
