package e2e

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPrivacyJourney: a person downloads their data (a ZIP) and closes
// their account through the confirmation and password pages; afterwards
// neither the database file nor its WAL holds their email or name, and the
// admin's audit log shows "erased person". An admin logs a request in the
// register. Every page is checked with axe-core.
func TestPrivacyJourney(t *testing.T) {
	t.Parallel()
	s := app(t)
	var c jrChecked
	u := jrUnique()
	local := "zed-canary-" + u
	person, admin := local+"@example.org", "priv-admin-"+u+"@example.org"
	createUser(t, person, false)
	createUser(t, admin, true)

	me := jrSignedIn(t, person)
	jrOK(t, me, "GET /account", visit(t, me, "/account"))
	jrOK(t, me, "your data link", submit(t, me, `main a[href="/account/data"]`))
	c.page(t, me, "your data")
	type download struct {
		Status int
		Type   string
		Head   string
		Size   int
	}
	got, err := chromedp.Run(me, chromedp.Evaluate[download](`fetch('/account/data.zip', {credentials: 'same-origin'}).then(async r => {
		const b = new Uint8Array(await r.arrayBuffer());
		return {Status: r.status, Type: r.headers.get('content-type'), Head: String.fromCharCode(b[0], b[1]), Size: b.length};
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != http.StatusOK || got.Type != "application/zip" || got.Head != "PK" || got.Size < 500 {
		t.Fatalf("the data download: %+v", got)
	}

	jrOK(t, me, "close account link", submit(t, me, `main a[href="/account/close"]`))
	c.page(t, me, "close account confirmation")
	jrOK(t, me, "confirm", submit(t, me, `main form[action="/account/close"] button[type=submit]`))
	c.page(t, me, "close account password")
	fill(t, me, "password", "not my password at all")
	if st := submit(t, me, `main form[action="/account/close"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Errorf("closing with a wrong password: status %d, want 422", st)
	}
	c.page(t, me, "close account password with an error")
	if !summaryLinks(t, me)["#password"] {
		t.Error("the error summary does not link to the password field")
	}
	fill(t, me, "password", Password)
	jrOK(t, me, "close the account", submit(t, me, `main form[action="/account/close"] button[type=submit]`))
	if p := location(t, me).Path; p != "/" {
		t.Errorf("after closing the account: %s", p)
	}
	if !strings.Contains(text(t, me, "body"), "Your account is closed") {
		t.Error("no message says the account is closed")
	}
	visit(t, me, "/account")
	if p := location(t, me).Path; p != "/signin" {
		t.Errorf("after closing the account /account shows %s", p)
	}

	// No trace in the SQLite files.
	for _, f := range []string{"partnerhub.db", "partnerhub.db-wal"} {
		b, err := os.ReadFile(s.DataDir + "/" + f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(local)) {
			t.Errorf("%s still holds %q", f, local)
		}
	}

	// The administrator: the audit log, the register, legal holds.
	ad := jrSignedIn(t, admin)
	jrOK(t, ad, "GET audit", visit(t, ad, "/admin/audit?action=privacy.erase"))
	c.page(t, ad, "audit log after an erasure")
	if !strings.Contains(text(t, ad, "main table"), "erased person") {
		t.Errorf("the audit log does not show an erased person: %s", text(t, ad, "main table"))
	}
	// The hash chain covers no erased part: the log still verifies.
	if got := text(t, ad, "#audit-chain"); !strings.HasPrefix(got, "Chain verified: ") {
		t.Errorf("the audit log does not verify after the erasure: %q", got)
	}
	jrOK(t, ad, "GET requests", visit(t, ad, "/admin/privacy/requests"))
	c.page(t, ad, "privacy requests")
	jrOK(t, ad, "log a request link", submit(t, ad, `main a[href="/admin/privacy/requests/new"]`))
	c.page(t, ad, "log a request")
	fill(t, ad, "email", "not an email", "received_on", "")
	if st := submit(t, ad, `main form[action="/admin/privacy/requests"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Errorf("a bad request form: status %d, want 422", st)
	}
	c.page(t, ad, "log a request with errors")
	fill(t, ad, "email", "asker-"+u+"@example.org")
	jrOK(t, ad, "today's date", visit(t, ad, "/admin/privacy/requests/new"))
	fill(t, ad, "email", "asker-"+u+"@example.org")
	jrOK(t, ad, "log the request", submit(t, ad, `main form[action="/admin/privacy/requests"] button[type=submit]`))
	c.page(t, ad, "a request")
	jrOK(t, ad, "GET holds", visit(t, ad, "/admin/privacy/holds"))
	c.page(t, ad, "legal holds")
}
