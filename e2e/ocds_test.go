package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// ocShot saves a screenshot of the current page when
// PARTNERHUB_OCDS_SHOTS names a folder (for looking at the pages).
func ocShot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("PARTNERHUB_OCDS_SHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
}

// ocUpload chooses file in the OCDS import form and submits it.
func ocUpload(t *testing.T, ctx context.Context, file string) int {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS(`main input[type=file]#file`), []string{file})); err != nil {
		t.Fatalf("choose %s: %v", file, err)
	}
	return submit(t, ctx, `main form[action="/admin/ocds/import"] button[type=submit]`)
}

// TestOCDSImportJourney: an administrator uploads a file that is not
// JSON (the error summary names the place), then a Find-a-Tender-style
// release package: the preview lists the notice and its new buyer,
// importing it adds the opportunity, and the OCDS API publishes its
// release. Every page passes axe-core.
func TestOCDSImportJourney(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	srv := app(t)
	people := evPeople(t, evTag(), "admin")
	ctx := people["admin"].Ctx
	if st := visit(t, ctx, "/admin/ocds/import"); st != http.StatusOK {
		t.Fatalf("import page: status %d", st)
	}
	checkPage(t, ctx, "OCDS import form")
	ocShot(t, ctx, "ocds-import")

	dir := t.TempDir()
	bad := filepath.Join(dir, "broken.json")
	os.WriteFile(bad, []byte("{\"releases\": [\n  {\"ocid\": }\n]}"), 0o644)
	if st := ocUpload(t, ctx, bad); st != http.StatusUnprocessableEntity {
		t.Fatalf("a file that is not JSON: status %d", st)
	}
	if s := text(t, ctx, ".ph-error-summary"); !strings.Contains(s, "not JSON") || !strings.Contains(s, "line 2") {
		t.Fatalf("error summary: %q", s)
	}
	checkPage(t, ctx, "OCDS import form with an error")
	ocShot(t, ctx, "ocds-import-error")

	fts, err := os.ReadFile("../internal/ocds/testdata/find-a-tender-style.json")
	if err != nil {
		t.Fatal(err)
	}
	// Unique per run: the server's database is shared by the tests.
	tag := evTag()
	fts = []byte(strings.NewReplacer("ocds-h6vhtk-0a1b2c", "ocds-h6vhtk-e2e"+tag, "012345-2026", "e2e-"+tag).Replace(string(fts)))
	good := filepath.Join(dir, "fts.json")
	os.WriteFile(good, fts, 0o644)
	if st := ocUpload(t, ctx, good); st != http.StatusOK {
		t.Fatalf("preview: status %d: %s", st, text(t, ctx, "main"))
	}
	if s := strings.ToLower(text(t, ctx, "main")); !strings.Contains(s, "independent advocacy services for adults") || !strings.Contains(s, "added to the directory") {
		t.Fatalf("preview: %s", s)
	}
	checkPage(t, ctx, "OCDS import preview")
	ocShot(t, ctx, "ocds-preview")
	if st := submit(t, ctx, `main form[action="/admin/ocds/import/confirm"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("confirm: status %d: %s", st, text(t, ctx, "main"))
	}
	if s := text(t, ctx, "main"); !strings.Contains(s, "1 opportunities added") {
		t.Fatalf("result: %s", s)
	}
	checkPage(t, ctx, "OCDS import result")
	ocShot(t, ctx, "ocds-result")

	resp, err := http.Get(srv.url("/api/ocds/records/ocds-h6vhtk-e2e" + tag))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var rec struct {
		Records []struct {
			CompiledRelease struct {
				Tender struct{ Title string }
			}
		}
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &rec) != nil || len(rec.Records) != 1 || rec.Records[0].CompiledRelease.Tender.Title != "Independent advocacy services for adults" {
		t.Fatalf("record: %d %s", resp.StatusCode, body)
	}
}
