package e2e

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestStrategyJourney: the strategy is loaded with `partnerhub import
// strategy`; an administrator edits a milestone, writes a commentary and
// publishes the 2012 State of the Sector report; a visitor reads the
// strategy page (each outcome's trend and status), reads the report,
// prints it and downloads its PDF. Every page passes axe-core.
func TestStrategyJourney(t *testing.T) {
	t.Parallel()
	srv := app(t)
	file := filepath.Join("..", "internal", "strategy", "seed", "blackpool-2010.json")
	cmd := exec.Command(srv.Bin, "import", "strategy", file, "--data-dir", srv.DataDir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("import strategy: %v\n%s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"title": "T", "aims": []}`), 0o644)
	if out, err := exec.Command(srv.Bin, "import", "strategy", bad, "--data-dir", srv.DataDir).CombinedOutput(); err == nil || !strings.Contains(string(out), "nothing was written") {
		t.Fatalf("a strategy file failing its schema was not refused: %v\n%s", err, out)
	}
	tag := evTag()
	p := evPeople(t, tag, "admin")
	admin := p["admin"].Ctx

	if st := visit(t, admin, "/admin/strategy"); st != 200 {
		t.Fatalf("admin strategy: %d", st)
	}
	checkPage(t, admin, "manage the strategy")
	edit, err := chromedp.Run(admin, chromedp.Evaluate[string](`(() => { const r = [...document.querySelectorAll('#milestones ~ div table tbody tr')].find(r => r.innerText.includes('Blackpool celebrates')); return r ? r.querySelector('a').getAttribute('href') : ''; })()`))
	if err != nil || edit == "" {
		t.Fatalf("no edit link for the milestone (%v)", err)
	}
	visit(t, admin, edit)
	checkPage(t, admin, "edit milestone")
	fill(t, admin, "due_on", "2013-02-31")
	if st := submit(t, admin, `main form button[type=submit]`); st != 422 {
		t.Fatalf("bad date: %d", st)
	}
	checkA11y(t, admin, "edit milestone with an error")
	fill(t, admin, "due_on", "2013-03-28", "note", "Celebrated at the State of the Sector conference.")
	if err := chromedp.Do(admin, chromedp.Click(`#status-done`)); err != nil {
		t.Fatal(err)
	}
	if st := submit(t, admin, `main form button[type=submit]`); st != 200 {
		t.Fatalf("save milestone: %d", st)
	}

	if st := visit(t, admin, "/admin/reports/state-of-the-sector/2012"); st != 200 {
		t.Fatalf("report admin: %d", st)
	}
	checkPage(t, admin, "edit report")
	fill(t, admin, "body-partnership", "More organisations worked in partnership in 2012.")
	if st := submit(t, admin, `form[action$="/commentary/partnership"] button`); st != 200 {
		t.Fatalf("commentary: %d", st)
	}
	visit(t, admin, "/admin/reports/state-of-the-sector/2012/publish")
	checkA11y(t, admin, "publish report")
	if st := submit(t, admin, `main form button[type=submit]`); st != 200 {
		t.Fatalf("publish: %d", st)
	}
	if s := text(t, admin, "main"); !strings.Contains(s, "SHA-256") {
		t.Fatalf("published report: %q", s[:min(300, len(s))])
	}

	anon := newTab(t)
	visit(t, anon, "/strategy")
	checkPage(t, anon, "the strategy")
	s := text(t, anon, "main")
	for _, want := range []string{"Encouraging Partnerships", "Developing Consortia", "Preparing for a Commissioning Environment", "More successful bids", "Celebrated at the State of the Sector conference.", "How the status is worked out"} {
		if !strings.Contains(s, want) {
			t.Errorf("strategy page lacks %q", want)
		}
	}
	if count(t, anon, "svg.ph-sparkline") < 20 {
		t.Error("an outcome has no sparkline")
	}
	jrFits320(t, anon, "the strategy page")
	visit(t, anon, "/strategy/outcomes/1")
	checkPage(t, anon, "an outcome")
	visit(t, anon, "/reports/state-of-the-sector/2012")
	checkPage(t, anon, "state of the sector 2012")
	s = text(t, anon, "main")
	if !strings.Contains(s, "The figures are frozen") || !strings.Contains(s, "More organisations worked in partnership in 2012.") || !strings.Contains(s, "Milestones of the year") {
		t.Fatalf("report: %q", s[:min(400, len(s))])
	}
	jrFits320(t, anon, "the 2012 report")
	if count(t, anon, `link[rel=stylesheet][media=print]`) != 1 {
		t.Fatal("the report has no print stylesheet")
	}
	if pdf, err := chromedp.Run(anon, chromedp.PrintToPDF()); err != nil || len(pdf) < 10000 {
		t.Fatalf("printing the report: %v (%d bytes)", err, len(pdf))
	}
	resp, err := http.Get(srv.url("/reports/state-of-the-sector/2012/report.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || len(body) < 10000 || !strings.HasPrefix(string(body), "%PDF-") {
		t.Fatalf("PDF download: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	visit(t, anon, "/reports/state-of-the-sector")
	checkPage(t, anon, "state of the sector reports")
}
