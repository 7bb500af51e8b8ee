package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestRegistersJourney: an administrator refreshes the directory from a
// Charity Commission file: a comma-separated file is answered on the form
// (the error summary says why), the register's tab-separated file is
// previewed with its counts and imported on confirmation; the matches
// page lists register entries like organisations typed in by hand.
// Every page passes axe-core.
func TestRegistersJourney(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	tag := evTag()
	people := evPeople(t, tag, "admin")
	ctx := people["admin"].Ctx
	if st := visit(t, ctx, "/admin/registers"); st != http.StatusOK {
		t.Fatalf("registers page: status %d", st)
	}
	checkPage(t, ctx, "registers form")
	choose := func(file string) int {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#register-charity`))); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS(`main input[type=file]#file`), []string{file})); err != nil {
			t.Fatalf("choose %s: %v", file, err)
		}
		return submit(t, ctx, `main form[action="/admin/registers"] button[type=submit]`)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "charities.csv")
	os.WriteFile(bad, []byte("registered_charity_number,charity_name\n1,A\n"), 0o644)
	if st := choose(bad); st != http.StatusUnprocessableEntity {
		t.Fatalf("a comma-separated file: status %d", st)
	}
	if s := text(t, ctx, ".ph-error-summary"); !strings.Contains(s, "tab-separated") {
		t.Fatalf("error summary: %q", s)
	}
	checkPage(t, ctx, "registers form with an error")

	good := filepath.Join(dir, "publicextract.charity.txt")
	os.WriteFile(good, []byte(fmt.Sprintf("\ufeffdate_of_extract\tregistered_charity_number\tlinked_charity_number\tcharity_name\tcharity_registration_status\tcharity_contact_postcode\r\n"+
		"2026-11-30 00:00:00\t19%s\t0\tE2E \"QUOTED\" TRUST %s\tRegistered\tFY1 1AA\r\n", tag, tag)), 0o644)
	if st := choose(good); st != http.StatusOK {
		t.Fatalf("preview: status %d: %s", st, text(t, ctx, "main"))
	}
	if s := text(t, ctx, "main"); !strings.Contains(s, "Organisations created") {
		t.Fatalf("preview: %s", s)
	}
	checkPage(t, ctx, "registers preview")
	if st := submit(t, ctx, `main form[action="/admin/registers/confirm"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("confirm: status %d", st)
	}
	if s := text(t, ctx, "main"); !strings.Contains(s, "Refresh finished") {
		t.Fatalf("result: %s", s)
	}
	checkPage(t, ctx, "registers result")
	if st := visit(t, ctx, "/admin/registers/matches"); st != http.StatusOK {
		t.Fatalf("matches: status %d", st)
	}
	checkPage(t, ctx, "register matches")
	if st := visit(t, ctx, "/directory"); st != http.StatusOK {
		t.Fatalf("directory: status %d", st)
	}
	if s := text(t, ctx, "#register-refreshes"); !strings.Contains(s, "Charity Commission register: last refreshed") {
		t.Fatalf("directory page: %q", s)
	}
}
