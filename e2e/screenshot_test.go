package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestScreenshot writes the README's screenshot: the demo town's home page,
// signed in as the demo organisation owner, 1280 pixels wide. It runs only
// when asked:
//
//	PARTNERHUB_SCREENSHOT=../docs/screenshot.png go test -run TestScreenshot ./e2e
func TestScreenshot(t *testing.T) {
	t.Parallel()
	out := os.Getenv("PARTNERHUB_SCREENSHOT")
	if out == "" {
		t.Skip("set PARTNERHUB_SCREENSHOT=path.png to write the README screenshot")
	}
	bin := app(t).Bin
	dir := t.TempDir()
	demo := exec.Command(bin, "demo", "--data-dir", dir)
	demoOut, err := demo.CombinedOutput()
	if err != nil {
		t.Fatalf("partnerhub demo: %v\n%s", err, demoOut)
	}
	_, rest, _ := strings.Cut(string(demoOut), "password for all: ")
	password, _, _ := strings.Cut(rest, ")")
	s, err := startServer(bin, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()

	ctx := newTab(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 1000)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.NavigateResponse(s.url("/signin"))); err != nil {
		t.Fatal(err)
	}
	fill(t, ctx, "email", "owner@demo.partnerhub.test", "password", strings.TrimSpace(password))
	submit(t, ctx, `main form[action="/signin"] button[type=submit]`)
	if _, err := chromedp.Run(ctx, chromedp.NavigateResponse(s.url("/"))); err != nil {
		t.Fatal(err)
	}
	checkPage(t, ctx, "demo home page")
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", out, len(png))
	if len(png) > 300<<10 {
		t.Errorf("the screenshot is %d bytes; keep it under 300 KB", len(png))
	}
}
